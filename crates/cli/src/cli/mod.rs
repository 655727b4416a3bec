//! One file per subcommand, and what they share: printing ([`output`]), finding MNIST and
//! saying where it was found ([`data`]), and the parsers of numbers given on the command line.

pub mod data;
pub mod download;
pub mod figures;
pub mod output;
pub mod train;

/// Parses a seed: a whole number from 0 to 2^64 - 1. A negative or fractional value gets a
/// message that names it (clap's own would call `-1` an unknown argument).
pub fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| {
        format!(
            "the seed must be a whole number from 0 to {}, got {s:?}",
            u64::MAX
        )
    })
}

/// Parses a count (iterations, units, rows): a whole number of at least 1.
pub fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1, got 0".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "must be a whole number from 1 to {}, got {s:?}",
            usize::MAX
        )),
    }
}

/// Parses a positive, finite number (a scale).
pub fn parse_positive(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) => Err(format!("must be a positive number, got {v}")),
        Err(_) => Err(format!("must be a positive number, got {s:?}")),
    }
}
