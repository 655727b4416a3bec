//! The memory that arrays would take, checked before they are allocated, so that an absurd
//! size is an error that names it rather than an abort.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The bytes of `count` values of `f64`, or `None` when that overflows 64 bits.
pub(crate) fn f64_bytes(count: Option<u64>) -> Option<u64> {
    count?.checked_mul(std::mem::size_of::<f64>() as u64)
}

/// The product of `sizes`, or `None` when it overflows 64 bits.
pub(crate) fn product(sizes: &[usize]) -> Option<u64> {
    sizes
        .iter()
        .try_fold(1u64, |p, &n| p.checked_mul(u64::try_from(n).ok()?))
}

/// The bytes of memory this machine has: the `MemTotal` of `/proc/meminfo` on Linux, else
/// 2^40 (1 TiB, more than any machine a notebook runs on).
pub(crate) fn machine_bytes() -> u64 {
    static BYTES: OnceLock<u64> = OnceLock::new();
    *BYTES.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|info| {
                let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                kib.checked_mul(1024)
            })
            .unwrap_or(1 << 40)
    })
}

/// A number of bytes for people: `25.4 TB`, `512.0 MB`.
fn human(bytes: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// `Ok` when `bytes` (`None`: more than 64 bits can count) fit in this machine's memory, else
/// an [`Error::InvalidArgument`] that begins with `what` (the call and the sizes at fault) and
/// says how many bytes they need.
pub(crate) fn check(bytes: Option<u64>, what: impl FnOnce() -> String) -> Result<()> {
    let limit = machine_bytes();
    match bytes {
        Some(b) if b <= limit => Ok(()),
        Some(b) => Err(Error::InvalidArgument(format!(
            "{} needs {b} bytes ({}) of memory, more than the {limit} bytes ({}) of this machine",
            what(),
            human(b),
            human(limit)
        ))),
        None => Err(Error::InvalidArgument(format!(
            "{} needs more bytes of memory than a 64-bit number can count",
            what()
        ))),
    }
}
