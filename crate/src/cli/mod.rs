//! One file per subcommand.

pub mod download;
pub mod figures;
pub mod train;
