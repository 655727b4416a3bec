//! The memory that arrays would take, checked before they are allocated, so that an absurd
//! size is an error that names it rather than an abort.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The product of `sizes`, or `None` when it overflows 64 bits.
pub(crate) fn product(sizes: &[usize]) -> Option<u64> {
    sizes.iter().try_fold(1u64, |p, &n| p.checked_mul(n as u64))
}

/// `Ok` when `values` numbers of `f64` (`None`: more than 64 bits can count) fit in this
/// machine's memory (`MemTotal` of `/proc/meminfo`, else 1 TiB); else an
/// [`Error::InvalidArgument`] that begins with `what()` and says how many bytes they need.
pub(crate) fn check(values: Option<u64>, what: impl FnOnce() -> String) -> Result<()> {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    let limit = *LIMIT.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let line = info.lines().find(|l| l.starts_with("MemTotal:"));
        let kib = line.and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok());
        kib.and_then(|k| k.checked_mul(1024)).unwrap_or(1 << 40)
    });
    // The bytes in gigabytes, for people.
    let human = |b: u64| format!("{:.1} GB", b as f64 / 1e9);
    match values.and_then(|v| v.checked_mul(8)) {
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
