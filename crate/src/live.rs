//! Live output in JupyterLab through the kernel's relay (issue 19): marker lines on stdout and
//! the stop request of an Interrupt.
//!
//! evcxr 0.22 sends a cell's rich output only when the cell ends. The project's kernel
//! launcher (`scripts/kernel/launch.py`) runs evcxr behind a relay that turns lines starting
//! with `DLFS-LIVE:<nonce> ` into Jupyter display messages, and that answers an Interrupt
//! during a training by creating a stop file instead of ending the kernel's process (and every
//! variable with it). The relay tells the kernel it listens through two environment variables,
//! [`ENV_NONCE`] and [`ENV_STOP`]; without them (plain `evcxr_jupyter`, a program, a test)
//! [`Relay::from_env`] is `None` and nothing here prints anything.
//!
//! The figures themselves are drawn by `dlfs_plot::live`; this module only writes the lines
//! and reads the stop file, so that the book's [`train`](crate::train::train) can be stopped
//! without knowing about plots.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::train::{History, Watch};

/// The variable that holds the relay's nonce: set by the relay, read here.
pub const ENV_NONCE: &str = "DLFS_LIVE";
/// The variable that names the file the relay creates to stop a training.
pub const ENV_STOP: &str = "DLFS_LIVE_STOP";

/// The relay the kernel runs behind, if any: writes marker lines, reads the stop file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    nonce: String,
    stop: Option<PathBuf>,
}

impl Relay {
    /// The relay named by [`ENV_NONCE`] and [`ENV_STOP`]; `None` when the kernel runs without
    /// one (the nonce is missing, empty or not made of ASCII letters and digits).
    pub fn from_env() -> Option<Relay> {
        let nonce = std::env::var(ENV_NONCE).ok()?;
        let stop = std::env::var_os(ENV_STOP)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        Relay::new(&nonce, stop)
    }

    /// The relay of nonce `nonce` (ASCII letters and digits) and stop file `stop`; `None` if
    /// the nonce is empty or has other characters. [`Relay::from_env`] is what a cell uses.
    pub fn new(nonce: &str, stop: Option<PathBuf>) -> Option<Relay> {
        let valid = !nonce.is_empty() && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
        valid.then(|| Relay {
            nonce: nonce.to_string(),
            stop,
        })
    }

    /// The marker line `DLFS-LIVE:<nonce> <verb> <field> <field> ...` (with its newline).
    pub fn marker(&self, verb: &str, fields: &[&str]) -> String {
        let mut line = format!("DLFS-LIVE:{} {verb}", self.nonce);
        for f in fields {
            line.push(' ');
            line.push_str(f);
        }
        line.push('\n');
        line
    }

    /// Writes one marker line in one piece.
    fn line(&self, verb: &str, fields: &[&str]) {
        let line = self.marker(verb, fields);
        let mut out = std::io::stdout().lock();
        // A closed stdout is no reason to stop a training; the figure is just not shown.
        let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
    }

    /// Shows a new display `id` holding `bundle`, pairs of a MIME type and its base64 payload
    /// (for `image/png` the PNG's base64, for other types the base64 of their UTF-8 text).
    pub fn show(&self, id: &str, bundle: &[(&str, &str)]) {
        self.display("show", id, bundle)
    }

    /// Replaces what display `id` holds with `bundle` (as [`Relay::show`]).
    pub fn update(&self, id: &str, bundle: &[(&str, &str)]) {
        self.display("update", id, bundle)
    }

    fn display(&self, verb: &str, id: &str, bundle: &[(&str, &str)]) {
        let mut fields = vec![id];
        for (mime, payload) in bundle {
            fields.push(mime);
            fields.push(payload);
        }
        self.line(verb, &fields)
    }

    /// Whether an Interrupt asked the running training to stop (the stop file exists).
    pub fn stop_requested(&self) -> bool {
        self.stop.as_ref().is_some_and(|p| p.exists())
    }
}

/// A name no other display or training of this kernel has: `<kind>-<process>-<time>-<count>`.
pub fn unique_id(kind: &str) -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{kind}-{:x}-{nanos:x}-{n}", std::process::id())
}

/// How often a training looks for the stop file, at most.
const STOP_POLL: Duration = Duration::from_millis(20);

/// A training announced to the relay for as long as this value lives (`train-start` when made,
/// `train-end` when dropped), so that an Interrupt stops it at its next update instead of
/// ending the kernel. It is the [`Watch`] the trainers use by default; without a relay it never
/// stops a run and prints nothing.
#[derive(Debug)]
pub struct Stoppable {
    relay: Option<Relay>,
    run: String,
    checked: Option<Instant>,
    stopped: bool,
}

impl Stoppable {
    /// Announces a training (when the kernel runs behind the relay).
    pub fn start() -> Stoppable {
        Stoppable::with_relay(Relay::from_env())
    }

    /// [`Stoppable::start`] with the relay given (`None`: never stops, prints nothing).
    pub fn with_relay(relay: Option<Relay>) -> Stoppable {
        let run = unique_id("train");
        if let Some(r) = &relay {
            r.line("train-start", &[&run]);
        }
        Stoppable {
            relay,
            run,
            checked: None,
            stopped: false,
        }
    }

    /// Whether an Interrupt asked this training to stop; looks at the stop file at most every
    /// 20 ms; once `true`, stays `true`.
    pub fn should_stop(&mut self) -> bool {
        if self.stopped {
            return true;
        }
        let Some(relay) = &self.relay else {
            return false;
        };
        let now = Instant::now();
        if self
            .checked
            .is_some_and(|t| now.duration_since(t) < STOP_POLL)
        {
            return false;
        }
        self.checked = Some(now);
        self.stopped = relay.stop_requested();
        self.stopped
    }

    /// The relay, when the kernel runs behind one.
    pub fn relay(&self) -> Option<&Relay> {
        self.relay.as_ref()
    }
}

impl Watch for Stoppable {
    fn after_update(&mut self, history: &History) -> bool {
        let stop = self.should_stop();
        if stop {
            println!(
                "Interrupt: training stopped after {} updates; the net and the history so far are returned",
                history.train_loss.len()
            );
        }
        stop
    }
}

impl Drop for Stoppable {
    fn drop(&mut self) {
        if let Some(r) = &self.relay {
            r.line("train-end", &[&self.run]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_needs_a_nonce_of_letters_and_digits() {
        assert!(Relay::new("", None).is_none());
        assert!(Relay::new("ab cd", None).is_none());
        assert!(Relay::new("ab\ncd", None).is_none());
        let r = Relay::new("3f9a", None).unwrap();
        assert_eq!(
            r.marker("update", &["fig-1", "image/png", "iVBO"]),
            "DLFS-LIVE:3f9a update fig-1 image/png iVBO\n"
        );
        assert!(!r.stop_requested());
    }

    #[test]
    fn unique_ids_differ_and_have_no_spaces() {
        let (a, b) = (unique_id("fig"), unique_id("fig"));
        assert_ne!(a, b);
        assert!(
            a.starts_with("fig-") && !a.contains(char::is_whitespace),
            "{a}"
        );
    }

    #[test]
    fn a_training_stops_once_the_stop_file_exists_and_stays_stopped() {
        let stop = std::env::temp_dir().join(unique_id("dlfs-stop-test"));
        let mut t = Stoppable::with_relay(Relay::new("ab12", Some(stop.clone())));
        assert!(!t.should_stop());
        std::fs::write(&stop, "stop\n").unwrap();
        std::thread::sleep(STOP_POLL + Duration::from_millis(5));
        assert!(t.should_stop());
        std::fs::remove_file(&stop).unwrap();
        assert!(t.should_stop());
        let mut free = Stoppable::with_relay(None);
        assert!(!free.should_stop());
    }
}
