//! Finding MNIST for a command, saying in one line (on stderr) which directory was used and
//! why, and `dlfs where`, which tells scripts where MNIST is.

use std::path::{Path, PathBuf};

use crate::datadir::{
    check_named_dirs, describe_dir, find, search_dirs, DirSource, MnistFiles, SearchDir,
};
use crate::download::{find_or_download, print_event, DownloadConfig};
use dlfs::mnist::RawMnist;

use super::output::{note, out};

/// Finds the four files as the library does (`--data-dir`, `DLFS_DATA_DIR`, the user's
/// cache), downloading them into the data directory if no directory holds them; says which
/// directory was used and why; reads them.
pub fn load_raw(data_dir: Option<&Path>) -> dlfs::Result<RawMnist> {
    let dirs = search_dirs(data_dir);
    let target = download_target(data_dir);
    let (used, files) = find_or_download(&dirs, &target, &DownloadConfig::default(), print_event)?;
    note!("{}", used_line(&dirs, &used));
    files.read()
}

/// Finds the four files without downloading or creating anything, and says which directory
/// was used and why.
pub fn find_local(data_dir: Option<&Path>) -> dlfs::Result<MnistFiles> {
    let dirs = search_dirs(data_dir);
    let (used, files) = find(&dirs)?;
    note!("{}", used_line(&dirs, &used));
    Ok(files)
}

/// Arguments of `dlfs where`.
#[derive(clap::Args, Debug)]
pub struct WhereArgs {
    /// Look here first [default: $DLFS_DATA_DIR, then the user's cache directory]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print where `dlfs download` would put the files instead (whether they are there or not)
    #[arg(long)]
    pub download_dir: bool,
}

/// Runs `dlfs where`: prints the directory that holds MNIST (only the path, on stdout, for
/// scripts; which one and why on stderr) and exits 0; if no directory holds the four files,
/// says where it looked and where `dlfs download` would put them, and exits 1. Never creates
/// anything.
pub fn run_where(args: WhereArgs) -> dlfs::Result<()> {
    let target = download_target(args.data_dir.as_deref());
    if args.download_dir {
        note!(
            "dlfs download would put MNIST in {} ({})",
            target.path.display(),
            target.source
        );
        out!("{}", target.path.display());
        return Ok(());
    }
    let dirs = search_dirs(args.data_dir.as_deref());
    check_named_dirs(&dirs)?;
    match find(&dirs) {
        Ok((used, _)) => {
            note!("{}", used_line(&dirs, &used));
            out!("{}", used.path.display());
            Ok(())
        }
        Err(dlfs::Error::NotFound(m)) => {
            // Where the files would go, before the last line (how to provide them).
            let (looked, how) = m.rsplit_once('\n').unwrap_or((m.as_str(), ""));
            Err(dlfs::Error::NotFound(format!(
                "{looked}\n  `dlfs download` would put them in {} ({})\n{how}",
                target.path.display(),
                target.source
            )))
        }
        Err(e) => Err(e),
    }
}

/// The data directory: the first of `search_dirs`, where downloads go. Where the system has
/// no cache directory and neither of the others is given, `dlfs/mnist` in the temporary directory.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    download_target(explicit).path
}

/// The data directory ([`data_dir`]) and why it is that one.
pub fn download_target(explicit: Option<&Path>) -> SearchDir {
    search_dirs(explicit)
        .into_iter()
        .next()
        .unwrap_or_else(|| SearchDir {
            path: std::env::temp_dir().join("dlfs").join("mnist"),
            source: DirSource::UserCache,
        })
}

/// One line saying which directory was used and why, e.g.
/// `MNIST: /data/mnist (from DLFS_DATA_DIR)` or
/// `MNIST: ~/.cache/dlfs/mnist (the user's cache directory; /tmp/x (given by the caller) holds none of the four files)`.
/// `dirs` is the list searched, `used` the one that held the files.
pub fn used_line(dirs: &[SearchDir], used: &SearchDir) -> String {
    let skipped: Vec<String> = dirs
        .iter()
        .take_while(|d| *d != used)
        .map(|d| {
            format!(
                "{} ({}) {}",
                d.path.display(),
                d.source,
                describe_dir(&d.path)
            )
        })
        .collect();
    let mut why = used.source.to_string();
    if used.source == DirSource::UserCache && dirs.len() == 1 {
        why.push_str(": no --data-dir given and DLFS_DATA_DIR not set");
    }
    for s in skipped {
        why.push_str("; ");
        why.push_str(&s);
    }
    format!("MNIST: {} ({why})", used.path.display())
}
