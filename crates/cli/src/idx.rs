//! The MNIST files' gzip, read strictly: what `dlfs download` checks a file against before it
//! keeps it (the SHA-256 of its content), and what `dlfs where` reads.
//!
//! The files may be gzip-compressed (as distributed, `*.gz`) or raw; gzip is recognised by its
//! magic bytes `1f 8b`, not by the name. A file named `*.gz` that does not start with them is
//! an error ("not gzip after all"), a stream cut short, damaged, followed by other bytes or
//! decompressing past a limit each have their own message. Every error is an
//! [`Error::Data`] that names the file. (The library's reader, `dlfs::mnist::read_idx`, is
//! lenient about a name and short about a damaged stream.)

use std::io::Read;
use std::path::Path;

use dlfs::{Error, Result};

/// The two bytes every gzip stream starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn data_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// True if `bytes` start with the gzip magic `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// The content of a gzip stream (all its members), or an error naming `path`: "cut short"
/// when the stream ends early, "corrupt gzip" when it is damaged, "trailing data" when bytes
/// that are not gzip follow its end.
pub fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    gunzip_at_most(path, bytes, usize::MAX)
}

/// As [`gunzip`], but stops with an error once the content would exceed `limit` bytes (a
/// download is checked against the known size of its file, so that a small body cannot
/// decompress into gigabytes).
pub fn gunzip_at_most(path: &Path, bytes: &[u8], limit: usize) -> Result<Vec<u8>> {
    // The last 4 bytes of a gzip member hold its size modulo 2^32: a good first capacity.
    let hint = match bytes.len() {
        n if n >= 18 => {
            u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]) as usize
        }
        _ => 0,
    };
    let mut out = Vec::with_capacity(hint.min(limit).min(256 << 20));
    let mut rest: &[u8] = bytes;
    loop {
        let start = bytes.len() - rest.len();
        let mut decoder = flate2::bufread::GzDecoder::new(rest);
        let room = (limit - out.len()).saturating_add(1) as u64;
        let read = (&mut decoder).take(room).read_to_end(&mut out);
        if let Err(e) = read {
            let message = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!(
                    "gzip stream cut short: it ends after {} compressed bytes and {} bytes of \
                     output; the file is incomplete, delete it and download it again",
                    bytes.len(),
                    out.len()
                )
            } else {
                format!(
                    "corrupt gzip: {e} after {} bytes of output (the stream starts at byte \
                     {start} of {}); the file is damaged, delete it and download it again",
                    out.len(),
                    bytes.len()
                )
            };
            return Err(data_error(path, message));
        }
        if out.len() > limit {
            return Err(data_error(
                path,
                format!(
                    "the gzip stream decompresses to more than {limit} bytes, more than the \
                     file can hold; it is not the expected file"
                ),
            ));
        }
        rest = decoder.into_inner();
        if rest.is_empty() {
            return Ok(out);
        }
        if !is_gzip(rest) {
            let end = bytes.len() - rest.len();
            return Err(data_error(
                path,
                format!(
                    "{} bytes of trailing data after the end of the gzip stream (at byte {end} \
                     of {}), starting with {}; something was appended to the file, delete it \
                     and download it again",
                    rest.len(),
                    bytes.len(),
                    hex_bytes(&rest[..rest.len().min(4)])
                ),
            ));
        }
    }
}

/// The content of `bytes` read from `path`: decompressed if it starts with the gzip magic, as
/// is otherwise. A name ending in `.gz` without the magic is an error ("not gzip after all").
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if is_gzip(&bytes) {
        return gunzip(path, &bytes);
    }
    let named_gz = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
    if named_gz {
        let start = &bytes[..bytes.len().min(4)];
        let mut message = if bytes.is_empty() {
            "named .gz but not gzip after all: the file is empty (0 bytes)".to_string()
        } else {
            format!(
                "named .gz but not gzip after all: it starts with {}, not the gzip magic 1f 8b",
                hex_bytes(start)
            )
        };
        if start.len() == 4 && start[..3] == [0, 0, 8] {
            message.push_str(
                "; it looks like a raw IDX file: rename it without the .gz or compress it with gzip",
            );
        }
        return Err(data_error(path, message));
    }
    Ok(bytes)
}

/// Reads a whole file and decodes it as [`decode`] does.
pub fn read_decoded(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(path, bytes)
}
