//! Live figures and the kernel's relay (issue 19): show a figure in a notebook, then redraw it
//! in place while the cell runs, as the training curves growing while a net trains; and stop
//! a training on Interrupt without losing the kernel's variables.
//!
//! evcxr 0.22 shows a cell's rich output once, when the cell ends. Started by the project's
//! launcher, the kernel runs behind a relay (`scripts/kernel/relay.py`) that turns lines
//! starting with `DLFS-LIVE:<nonce> ` ([`Relay`]) into Jupyter's `display_data` and
//! `update_display_data` messages, and that answers an Interrupt during a training by creating
//! a stop file ([`Stoppable`]) instead of ending the kernel. The relay names itself in
//! [`ENV_NONCE`] and [`ENV_STOP`]; without them (plain `evcxr_jupyter`, a program, a test)
//! nothing is printed while the cell runs, and a [`LiveFigure`] left as the last expression of
//! a cell shows its last figure when the cell ends, as any [`Figure`]. A [`LiveFigure`] is one
//! display, redrawn at most 2.5 times a second; the notebook keeps its last figure.
//!
//! ```no_run
//! use dlfs::prelude::*;
//! use dlfs_plot::{live::LiveFigure, loss_curve};
//! let live = LiveFigure::new();
//! let mut history = History::default();
//! for i in 0..1000 {
//!     history.train_loss.push(1.0 / (1.0 + i as f64));
//!     if live.is_due() {
//!         live.update(loss_curve(&history)); // redrawn at most a few times a second
//!     }
//! }
//! live.show(loss_curve(&history)); // the final figure, drawn now
//! ```
//!
//! [`train`] is the book's [`dlfs::train::train`] drawn live and stopped by Interrupt;
//! [`LiveTraining`] is the [`Watch`] that does it, for other trainers (`dlfs_fast::train`).
//! A run shorter than [`LIVE_AFTER`] draws nothing: a short exercise leaves its printed lines
//! only, and a student draws its curves with [`loss_curve`] and [`accuracy_curve`] when asked.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use dlfs::mnist::Mnist;
use dlfs::train::{train_watched, EpochRecord, History, TrainSettings, Trained, Watch};

use crate::lang::say;
use crate::training::epoch_line;
use crate::{accuracy_curve, loss_curve, Figure, Theme};

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
            let done = history.train_loss.len();
            println!(
                "{}",
                say!(
                    "Interrupt: training stopped after {} updates; the net and the history so far are returned",
                    "Interrupt: {}번 갱신한 뒤 학습을 멈췄습니다. 지금까지의 신경망과 기록을 돌려줍니다.",
                    done
                )
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

/// The shortest time between two redraws of one display (at most 2.5 a second).
pub const MIN_INTERVAL: Duration = Duration::from_millis(400);

/// A redraw waits at least this many times as long as the last drawing took, so that drawing
/// takes at most a seventh of the run's time. A display's first drawing does not count: it also
/// pays for what is done once (the embedded fonts parsed, their glyphs cached), and would space
/// the next redraws by six times that.
const COST_FACTOR: u32 = 6;

#[derive(Debug, Default)]
struct State {
    shown: bool,
    /// When the last drawing ended, and how long it took (zero for the display's first).
    drawn: Option<(Instant, Duration)>,
    /// The figure of the last `update` that was not drawn yet.
    pending: Option<Figure>,
    /// The last figure given (drawn or not): what `evcxr_display` shows without a relay.
    last: Option<Figure>,
    failed: bool,
}

/// One display of a notebook that can be redrawn while the cell runs: [`show`](Self::show)
/// draws now, [`update`](Self::update) draws when [`is_due`](Self::is_due) (else keeps the
/// figure for [`finish`](Self::finish)). Redraws are at least [`MIN_INTERVAL`] apart, and
/// further when a drawing is slow.
#[derive(Debug)]
pub struct LiveFigure {
    relay: Option<Relay>,
    id: String,
    state: Mutex<State>,
}

impl Default for LiveFigure {
    fn default() -> Self {
        LiveFigure::new()
    }
}

impl LiveFigure {
    /// A display not shown yet (it appears at the first drawing).
    pub fn new() -> LiveFigure {
        LiveFigure {
            relay: Relay::from_env(),
            id: unique_id("fig"),
            state: Mutex::new(State::default()),
        }
    }

    /// Whether the kernel runs behind the relay, so that figures show while the cell runs.
    pub fn is_live(&self) -> bool {
        self.relay.is_some()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether an [`update`](Self::update) now would draw: behind the relay, and the last
    /// drawing ended at least [`MIN_INTERVAL`] (or 6 times its own duration) ago. Check it
    /// before building a figure that is costly to build.
    pub fn is_due(&self) -> bool {
        self.relay.is_some() && due(&self.state(), Instant::now())
    }

    /// Draws `figure` into the display now (the first time, the display appears).
    pub fn show(&self, figure: Figure) {
        let mut s = self.state();
        s.pending = None;
        self.draw(&mut s, &figure);
        s.last = Some(figure);
    }

    /// Draws `figure` if a redraw is due, else keeps it to be drawn by the next
    /// [`update`](Self::update), [`show`](Self::show) or [`finish`](Self::finish).
    pub fn update(&self, figure: Figure) {
        let mut s = self.state();
        if self.relay.is_some() && due(&s, Instant::now()) {
            s.pending = None;
            self.draw(&mut s, &figure);
        } else {
            s.pending = Some(figure.clone());
        }
        s.last = Some(figure);
    }

    /// Draws the figure of the last [`update`](Self::update) if it was not drawn yet.
    pub fn finish(&self) {
        let mut s = self.state();
        if let Some(figure) = s.pending.take() {
            self.draw(&mut s, &figure);
        }
    }

    fn draw(&self, s: &mut State, figure: &Figure) {
        let Some(relay) = &self.relay else {
            return;
        };
        let start = Instant::now();
        let first = !s.shown;
        match figure.png_bytes() {
            Ok(png) => {
                let b64 = base64::engine::general_purpose::STANDARD;
                let png = b64.encode(png);
                let text = b64.encode(figure.alt_text().unwrap_or("figure"));
                let bundle = [("image/png", png.as_str()), ("text/plain", text.as_str())];
                if s.shown {
                    relay.update(&self.id, &bundle);
                } else {
                    relay.show(&self.id, &bundle);
                    s.shown = true;
                }
            }
            Err(e) if !s.failed => {
                s.failed = true;
                println!("figure not drawn: {e}");
            }
            Err(_) => {}
        }
        let end = Instant::now();
        s.drawn = Some((end, if first { Duration::ZERO } else { end - start }));
    }

    /// Called by evcxr on the last expression of a cell: behind the relay, draws what is
    /// pending (the display already shows the rest) and prints nothing; without it, shows the
    /// last figure as a [`Figure`] does.
    pub fn evcxr_display(&self) {
        if self.relay.is_some() {
            self.finish();
        } else if let Some(figure) = self.state().last.clone() {
            figure.evcxr_display();
        }
    }
}

fn due(s: &State, now: Instant) -> bool {
    match s.drawn {
        None => true,
        Some((end, cost)) => now.duration_since(end) >= MIN_INTERVAL.max(cost * COST_FACTOR),
    }
}

/// Whether this code runs inside evcxr (which sets `EVCXR_IS_RUNTIME` for the code it runs),
/// where a figure printed as evcxr content shows when the cell ends; elsewhere it would be text.
fn in_evcxr() -> bool {
    std::env::var_os("EVCXR_IS_RUNTIME").is_some()
}

/// How long a training runs before it is drawn live: a shorter run draws nothing.
pub const LIVE_AFTER: Duration = Duration::from_secs(1);

/// The [`Watch`] of a training drawn live, once it has run for [`LIVE_AFTER`]: one display of
/// two panels side by side, the loss per iteration and the accuracy per epoch ([`LIVE_SIZE`],
/// so that the saved cell fits a 16:9 slide), redrawn a few times a second at most and once
/// more, whole, at the end; and an Interrupt stops the run at its next update ([`Stoppable`]).
/// The titles carry no book figure number: the settings of a run need not be the book's.
/// Without the relay it draws the finished figure once, when the run ends, if it runs inside
/// evcxr (it then shows when the cell ends), and nothing elsewhere.
///
/// Its [`EpochLines`] print the epoch lines: behind the relay the first at once and the last at
/// the end (the accuracy panel shows the others), all of them at the end if the run was too
/// short to be drawn; without the relay every line as it comes.
#[derive(Debug)]
pub struct LiveTraining {
    stop: Stoppable,
    started: Instant,
    curves: LiveFigure,
    lines: EpochLines,
}

impl Default for LiveTraining {
    fn default() -> Self {
        LiveTraining::start()
    }
}

impl LiveTraining {
    /// Announces a training to the relay and prepares its display (not shown yet).
    pub fn start() -> LiveTraining {
        LiveTraining {
            stop: Stoppable::start(),
            started: Instant::now(),
            curves: LiveFigure::new(),
            lines: EpochLines::new(Relay::from_env().is_some()),
        }
    }

    /// The printer of this training's epoch lines, to give the trainer as its `on_epoch`.
    pub fn epoch_lines(&self) -> EpochLines {
        self.lines.clone()
    }

    fn draw(&mut self, history: &History) {
        if history.train_loss.is_empty() {
            return;
        }
        self.curves.show(learning_curves(history));
        self.lines.drawing_started();
    }

    fn long_enough(&self) -> bool {
        self.curves.is_live() && self.started.elapsed() >= LIVE_AFTER
    }
}

/// The size of a live training's figure: 16:7, lower than a slide, so that the cell's code and
/// two epoch lines fit above it on a 1280x720 slide.
pub const LIVE_SIZE: (u32, u32) = (1280, 560);

/// How much larger the live figure's words and lines are drawn than a grid of its size would
/// draw them: its two panels are side by side on a wide, low figure, and their tick labels
/// must still read on a projector.
const LIVE_TEXT: f64 = 1.25;

/// The loss and (once an epoch is recorded) the accuracy of `history`, side by side, without
/// book figure numbers; described in text by both titles.
fn learning_curves(history: &History) -> Figure {
    let mut panels = vec![unnumbered(loss_curve(history))];
    if !history.epochs.is_empty() {
        panels.push(unnumbered(accuracy_curve(history)));
    }
    let text: Vec<&str> = panels.iter().filter_map(|p| p.title_text()).collect();
    let text = text.join(" · ");
    let grid = Figure::grid(panels, 2);
    Figure::from_fn("", move |area, theme| {
        grid.draw_on(
            area,
            &Theme {
                k: theme.k * LIVE_TEXT,
            },
        )
    })
    .size(LIVE_SIZE.0, LIVE_SIZE.1)
    .alt(text)
}

/// The epoch lines of a [`LiveTraining`] ([`dlfs::train::epoch_line`], in the figures'
/// language: `에폭 1/16  손실 0.812 ...` in Korean). Behind the relay: the first is
/// printed at once, the others are kept; when the training ends, the last one is printed if
/// the run was drawn (the figure shows the rest), else all that were kept (a run shorter than
/// [`LIVE_AFTER`]). So a saved cell holds the same two lines and one figure however fast the
/// machine. Without the relay every line is printed as it comes. Clones share their state, so
/// one can go to the trainer's `on_epoch` while the [`LiveTraining`] is its watch.
#[derive(Debug, Clone, Default)]
pub struct EpochLines {
    state: Arc<Mutex<LinesState>>,
}

#[derive(Debug, Default)]
struct LinesState {
    live: bool,
    printed: usize,
    drawing: bool,
    kept: Vec<String>,
}

impl EpochLines {
    fn state(&self) -> std::sync::MutexGuard<'_, LinesState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The printer of a training behind the relay (`live`: lines kept) or not (printed).
    pub fn new(live: bool) -> EpochLines {
        let state = LinesState {
            live,
            ..LinesState::default()
        };
        EpochLines {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The trainer's `on_epoch`: prints the line of `record` (of `last_epoch` epochs), or keeps
    /// it (see [`EpochLines`]).
    pub fn print(&self, record: &EpochRecord, last_epoch: usize) {
        let line = epoch_line(record, last_epoch);
        let mut s = self.state();
        if !s.live || s.printed == 0 {
            println!("{line}");
            s.printed += 1;
        } else if s.drawing {
            s.kept = vec![line]; // only the last one is printed
        } else {
            s.kept.push(line);
        }
    }

    fn drawing_started(&self) {
        let mut s = self.state();
        s.drawing = true;
        let last = s.kept.pop();
        s.kept = last.into_iter().collect();
    }

    /// Prints what was kept (at the end of the run): the last line, or every line if the run
    /// was not drawn.
    fn flush(&self) {
        let kept = std::mem::take(&mut self.state().kept);
        for line in kept {
            println!("{line}");
        }
    }
}

/// `figure` without the book's figure number that ends its title (`  (fig. 4-11)`).
fn unnumbered(figure: Figure) -> Figure {
    let title = figure.title_text().unwrap_or("");
    match title.rfind("  (") {
        Some(i) if title[i..].contains("4-1") => {
            let title = title[..i].to_string();
            figure.title(title)
        }
        _ => figure,
    }
}

impl Watch for LiveTraining {
    fn after_update(&mut self, history: &History) -> bool {
        let stop = self.stop.after_update(history);
        if self.long_enough() && self.curves.is_due() {
            self.draw(history);
        }
        stop
    }

    fn finish(&mut self, history: &History) {
        if self.long_enough() {
            self.draw(history);
        } else if !self.curves.is_live() && in_evcxr() && !history.train_loss.is_empty() {
            // No relay (a class kernel, plain evcxr_jupyter): the finished figure, which evcxr
            // shows when the cell ends, as it shows a figure that ends a cell.
            learning_curves(history).evcxr_display();
        }
        self.lines.flush();
    }
}

/// The book's training loop ([`dlfs::train::train`], 4.5.2-4.5.3) drawn live in JupyterLab:
/// the same net and history, and behind the kernel's relay the loss and accuracy curves
/// redrawn while it runs ([`LiveTraining`]; its [`EpochLines`] print one line per epoch until
/// the drawing starts, then the last); an Interrupt stops it at its next update and returns the
/// net and the history so far.
pub fn train(data: &Mnist, settings: &TrainSettings) -> dlfs::Result<Trained> {
    let mut live = LiveTraining::start();
    let lines = live.epoch_lines();
    train_watched(data, settings, |r, last| lines.print(r, last), &mut live)
}

/// The book's training loop ([`dlfs::train::train`], 4.5.2-4.5.3) as above, without figures:
/// one line per epoch, and an Interrupt in JupyterLab stops it at its next update and returns
/// the net and the history so far ([`Stoppable`]). For loops over settings that draw one
/// comparison figure of their own (4.5's exercises).
pub fn train_stoppable(data: &Mnist, settings: &TrainSettings) -> dlfs::Result<Trained> {
    let print = |record: &EpochRecord, last| println!("{}", epoch_line(record, last));
    train_watched(data, settings, print, &mut Stoppable::start())
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

    #[test]
    fn a_redraw_waits_the_interval_or_six_times_the_last_drawing() {
        let t0 = Instant::now();
        let mut s = State::default();
        assert!(due(&s, t0));
        s.drawn = Some((t0, Duration::from_millis(10)));
        assert!(!due(&s, t0 + Duration::from_millis(399)));
        assert!(due(&s, t0 + MIN_INTERVAL));
        s.drawn = Some((t0, Duration::from_millis(100)));
        assert!(!due(&s, t0 + Duration::from_millis(599)));
        assert!(due(&s, t0 + Duration::from_millis(600)));
    }

    #[test]
    fn a_displays_first_drawing_does_not_space_the_redraws() {
        let live = LiveFigure {
            relay: Relay::new("first0drawing", None),
            id: unique_id("fig"),
            state: Mutex::new(State::default()),
        };
        let mut history = History::default();
        history.train_loss.extend([2.3, 1.0, 0.5]);
        live.show(loss_curve(&history));
        let (_, cost) = live.state().drawn.expect("shown, so drawn");
        assert_eq!(cost, Duration::ZERO);
        // Not due right after it: kept, then drawn by `finish`, and that drawing's cost counts.
        history.train_loss.push(0.4);
        live.update(loss_curve(&history));
        assert!(live.state().pending.is_some());
        live.finish();
        let s = live.state();
        assert!(s.pending.is_none() && s.drawn.is_some_and(|(_, cost)| cost > Duration::ZERO));
    }

    #[test]
    fn without_the_relay_nothing_is_drawn_and_the_last_figure_is_kept() {
        let live = LiveFigure {
            relay: None,
            id: unique_id("fig"),
            state: Mutex::new(State::default()),
        };
        assert!(!live.is_live() && !live.is_due());
        let mut history = History::default();
        history.train_loss.extend([2.3, 1.0, 0.5]);
        live.update(loss_curve(&history));
        live.finish();
        let s = live.state();
        assert!(
            s.drawn.is_none() && !s.shown,
            "nothing drawn without a relay"
        );
        let last = s
            .last
            .as_ref()
            .expect("the last figure is kept for evcxr_display");
        assert_eq!(last.title_text(), loss_curve(&history).title_text());
        // A training watched without a relay runs to its end.
        let mut watch = LiveTraining {
            stop: Stoppable::with_relay(None),
            started: Instant::now() - LIVE_AFTER,
            curves: LiveFigure {
                relay: None,
                id: unique_id("fig"),
                state: Mutex::new(State::default()),
            },
            lines: EpochLines::default(),
        };
        assert!(!watch.after_update(&history));
    }

    #[test]
    fn epoch_lines_are_kept_once_the_drawing_starts_and_the_last_is_printed_at_the_end() {
        let lines = EpochLines::new(true);
        let record = |epoch| EpochRecord {
            epoch,
            iteration: epoch * 600,
            loss: 1.0,
            train_acc: 0.5,
            test_acc: 0.5,
        };
        let line = |epoch| epoch_line(&record(epoch), 16);
        lines.print(&record(0), 16);
        assert!(
            lines.state().kept.is_empty(),
            "the first line is printed at once"
        );
        lines.print(&record(1), 16);
        lines.print(&record(2), 16);
        assert_eq!(
            lines.state().kept,
            [line(1), line(2)],
            "kept until the drawing"
        );
        let shared = lines.clone();
        shared.drawing_started();
        lines.print(&record(7), 16);
        lines.print(&record(16), 16);
        assert_eq!(lines.state().kept, [line(16)], "once drawn, only the last");
        lines.flush();
        assert!(shared.state().kept.is_empty(), "the clone shares the state");
        // A run too short to be drawn prints all its lines at the end; without the relay, at once.
        let short = EpochLines::new(true);
        (0..3).for_each(|e| short.print(&record(e), 2));
        assert_eq!(short.state().kept.len(), 2);
        let plain = EpochLines::new(false);
        (0..3).for_each(|e| plain.print(&record(e), 2));
        assert!(plain.state().kept.is_empty());
    }

    #[test]
    fn the_live_figure_is_one_display_of_both_curves() {
        let mut history = History::default();
        history.train_loss.extend([2.3, 1.0, 0.5]);
        let only_loss = learning_curves(&history);
        assert_eq!(
            only_loss.alt_text(),
            unnumbered(loss_curve(&history)).title_text()
        );
        history.epochs.push(EpochRecord {
            epoch: 0,
            iteration: 0,
            loss: 2.3,
            train_acc: 0.1022,
            test_acc: 0.1010,
        });
        let both = learning_curves(&history);
        let text = both.alt_text().unwrap();
        assert!(
            text.contains(" · ") && text.contains("0.1022") && !text.contains("4-1"),
            "{text}"
        );
        assert_eq!(both.pixel_size(), LIVE_SIZE);
        assert!(both.png_bytes().is_ok());
    }

    #[test]
    fn live_titles_carry_no_book_figure_number() {
        let mut history = History::default();
        history.train_loss.extend([2.3, 1.0]);
        let numbered = loss_curve(&history);
        let title = numbered.title_text().unwrap().to_string();
        assert!(title.contains("4-11"), "{title}");
        let plain = unnumbered(numbered);
        let plain = plain.title_text().unwrap();
        assert!(
            !plain.contains("4-11") && title.starts_with(plain),
            "{plain}"
        );
        let other = Figure::from_fn("x (a, b)", |_, _| Ok(()));
        assert_eq!(unnumbered(other).title_text(), Some("x (a, b)"));
    }
}
