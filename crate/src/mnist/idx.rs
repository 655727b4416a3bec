//! The IDX format of the MNIST files (4.5.2 reads them through `load_mnist`).
//!
//! An IDX file is a big-endian header followed by the data, one byte per value here:
//!
//! | bytes | images (`*-images-idx3-ubyte`) | labels (`*-labels-idx1-ubyte`) |
//! | --- | --- | --- |
//! | 0-3 | magic `0x00000803` (unsigned bytes, 3 dimensions) | magic `0x00000801` (1 dimension) |
//! | 4-7 | number of images N | number of labels N |
//! | 8-15 | rows, columns (28, 28) | - |
//! | then | N x rows x columns pixels, 0-255, row by row | N labels, 0-9 |
//!
//! The files may be gzip-compressed (as distributed, `*.gz`) or raw; gzip is recognised by its
//! magic bytes `1f 8b`, not by the name. A file named `*.gz` that does not start with them is
//! an error ("not gzip after all"). Every error is an [`Error::Data`] that names the file.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// The two bytes every gzip stream starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The images of one IDX file, as stored: `count` images of `rows` x `cols` bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxImages {
    /// Number of images N.
    pub count: usize,
    /// Rows of each image (28 for MNIST).
    pub rows: usize,
    /// Columns of each image (28 for MNIST).
    pub cols: usize,
    /// `count * rows * cols` pixel values, image after image, row by row.
    pub pixels: Vec<u8>,
}

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

/// What a magic number means, for error messages.
fn describe_magic(magic: u32) -> String {
    let [zero0, zero1, kind, dims] = magic.to_be_bytes();
    if zero0 != 0 || zero1 != 0 {
        return "not an IDX file".into();
    }
    let kind = match kind {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0b => "16-bit integers",
        0x0c => "32-bit integers",
        0x0d => "32-bit floats",
        0x0e => "64-bit floats",
        _ => return format!("an unknown IDX type 0x{kind:02x}"),
    };
    let what = match magic {
        IMAGES_MAGIC => " (an image file)",
        LABELS_MAGIC => " (a label file)",
        _ => "",
    };
    format!(
        "IDX {kind}, {dims} dimension{}{what}",
        if dims == 1 { "" } else { "s" }
    )
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// Checks the header of decoded IDX `data`: its magic and its length. Returns the dimensions.
fn parse_header(path: &Path, data: &[u8], magic: u32, what: &str) -> Result<Vec<usize>> {
    let ndims = (magic & 0xff) as usize;
    let header = 4 + 4 * ndims;
    if data.len() < 4 {
        return Err(data_error(
            path,
            format!(
                "truncated at byte {} of {header} (the IDX header of {what})",
                data.len()
            ),
        ));
    }
    let found = be_u32(data, 0);
    if found != magic {
        return Err(data_error(
            path,
            format!(
                "wrong magic number 0x{found:08x} ({}), expected 0x{magic:08x} ({}) for {what}",
                describe_magic(found),
                describe_magic(magic)
            ),
        ));
    }
    if data.len() < header {
        return Err(data_error(
            path,
            format!(
                "truncated at byte {} of {header} (the IDX header of {what})",
                data.len()
            ),
        ));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|d| be_u32(data, 4 + 4 * d) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|n| n.checked_add(header))
        .ok_or_else(|| {
            data_error(
                path,
                format!("the header announces an impossible size {dims:?} for {what}"),
            )
        })?;
    let shape = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" x ");
    if data.len() < expected {
        return Err(data_error(
            path,
            format!(
                "truncated at byte {} of {expected} (the header announces {what} of shape {shape})",
                data.len()
            ),
        ));
    }
    if data.len() > expected {
        return Err(data_error(
            path,
            format!(
                "{} unexpected bytes after the end: the header announces {what} of shape {shape}, \
                 {expected} bytes in all, but the file holds {}",
                data.len() - expected,
                data.len()
            ),
        ));
    }
    Ok(dims)
}

/// Parses decoded IDX image data (magic `0x00000803`) read from `path`.
pub fn parse_images(path: &Path, mut data: Vec<u8>) -> Result<IdxImages> {
    let dims = parse_header(path, &data, IMAGES_MAGIC, "images")?;
    data.drain(..16);
    Ok(IdxImages {
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: data,
    })
}

/// Parses decoded IDX label data (magic `0x00000801`) read from `path`.
pub fn parse_labels(path: &Path, mut data: Vec<u8>) -> Result<Vec<u8>> {
    parse_header(path, &data, LABELS_MAGIC, "labels")?;
    data.drain(..8);
    Ok(data)
}

/// Reads an IDX image file, gzip or raw.
pub fn read_images(path: &Path) -> Result<IdxImages> {
    parse_images(path, read_decoded(path)?)
}

/// Reads an IDX label file, gzip or raw: one byte per label.
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    parse_labels(path, read_decoded(path)?)
}
