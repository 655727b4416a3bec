//! How every command prints: one mechanism for a closed output.
//!
//! Lines for the user go to stdout through `out!`; notes (which data directory, progress)
//! go to stderr through `note!`. When the reader of stdout has gone (`dlfs train | head -1`),
//! the next line ends the program quietly with status 141, as a Unix tool killed by SIGPIPE
//! ends, after removing the temporary file of a download in progress. Another write error on
//! stdout (a full disk under `> file`) is reported and ends the program with status 1. A
//! closed stderr is ignored: there is nowhere left to report it.

use std::io::Write;

/// The exit status after a broken pipe: 128 + SIGPIPE (13), what a shell shows for a tool
/// killed by SIGPIPE.
pub const BROKEN_PIPE_STATUS: i32 = 141;

/// Writes `args` and a newline to stdout; see the module's documentation for errors.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            quit_on_broken_pipe();
        }
        let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
        crate::download::remove_partial_file();
        std::process::exit(1);
    }
}

/// Writes `args` and a newline to stderr, ignoring a closed stderr.
pub fn note_line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Ends the program at once and quietly, as for a broken pipe: status 141, no partial
/// download left behind.
pub fn quit_on_broken_pipe() -> ! {
    crate::download::remove_partial_file();
    std::process::exit(BROKEN_PIPE_STATUS)
}

/// `println!` for the commands: see [`line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that ignores a closed stderr: see [`note_line`].
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::output::note_line(format_args!($($arg)*))
    };
}

pub(crate) use note;
pub(crate) use out;
