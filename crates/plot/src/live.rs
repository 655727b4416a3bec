//! Live figures (issue 19): show a figure in a notebook, then redraw it in place while the cell
//! runs; the training curves of figures 4-11 and 4-12 growing while a net trains.
//!
//! evcxr 0.22 shows a cell's rich output once, when the cell ends. Started by the project's
//! launcher, the kernel runs behind a relay (`scripts/kernel/relay.py`) that turns marker lines
//! printed by [`dlfs::live::Relay`] into Jupyter's `display_data` and `update_display_data`
//! messages: a [`LiveFigure`] is one display, redrawn at most 2.5 times a second, and the
//! notebook keeps its last figure. Without the relay (plain `evcxr_jupyter`, a program)
//! nothing is printed while the cell runs, and a `LiveFigure` left as the last expression of a
//! cell shows its last figure when the cell ends, as any [`Figure`].
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
//! [`train`] is the book's [`dlfs::train::train`] with both curves drawn live and an Interrupt
//! that stops it at its next update (see [`dlfs::live`]); [`LiveTraining`] is the [`Watch`]
//! that does it, for other trainers.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use dlfs::live::{unique_id, Relay, Stoppable};
use dlfs::mnist::Mnist;
use dlfs::train::{epoch_line, train_watched, History, TrainSettings, Trained, Watch};

use crate::{accuracy_curve, loss_curve, Figure};

/// The shortest time between two redraws of one display (at most 2.5 a second).
pub const MIN_INTERVAL: Duration = Duration::from_millis(400);

/// A redraw waits at least this many times as long as the last drawing took, so that drawing
/// takes at most a seventh of the run's time.
const COST_FACTOR: u32 = 6;

#[derive(Debug, Default)]
struct State {
    shown: bool,
    /// When the last drawing ended, and how long it took.
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
        match figure.png_bytes() {
            Ok(png) => {
                let b64 = base64::engine::general_purpose::STANDARD;
                let png = b64.encode(png);
                let text = b64.encode(figure.title_text().unwrap_or("figure"));
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
        s.drawn = Some((end, end - start));
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

/// The [`Watch`] of a training drawn live: the loss per iteration (fig. 4-11) redrawn a few
/// times a second at most, the accuracy per epoch (fig. 4-12) when a new epoch is recorded,
/// both drawn once more, whole, at the end; and an Interrupt stops the run at its next update
/// ([`Stoppable`]). Without the relay it draws nothing.
#[derive(Debug)]
pub struct LiveTraining {
    stop: Stoppable,
    loss: LiveFigure,
    accuracy: LiveFigure,
    epochs_drawn: usize,
}

impl Default for LiveTraining {
    fn default() -> Self {
        LiveTraining::start()
    }
}

impl LiveTraining {
    /// Announces a training to the relay and prepares its two displays (not shown yet).
    pub fn start() -> LiveTraining {
        LiveTraining {
            stop: Stoppable::start(),
            loss: LiveFigure::new(),
            accuracy: LiveFigure::new(),
            epochs_drawn: 0,
        }
    }

    fn draw(&mut self, history: &History) {
        if !history.train_loss.is_empty() {
            self.loss.show(loss_curve(history));
        }
        if history.epochs.len() != self.epochs_drawn && !history.epochs.is_empty() {
            self.accuracy.show(accuracy_curve(history));
            self.epochs_drawn = history.epochs.len();
        }
    }
}

impl Watch for LiveTraining {
    fn after_update(&mut self, history: &History) -> bool {
        let stop = self.stop.after_update(history);
        if self.loss.is_due() {
            self.draw(history);
        }
        stop
    }

    fn finish(&mut self, history: &History) {
        if self.loss.is_live() {
            self.draw(history);
        }
    }
}

/// The book's training loop ([`dlfs::train::train`], 4.5.2-4.5.3) drawn live in JupyterLab:
/// the same net and history, one line per epoch, and behind the kernel's relay the loss and
/// accuracy curves redrawn while it runs ([`LiveTraining`]); an Interrupt stops it at its next
/// update and returns the net and the history so far.
pub fn train(data: &Mnist, settings: &TrainSettings) -> dlfs::Result<Trained> {
    train_watched(
        data,
        settings,
        |record, last| println!("{}", epoch_line(record, last)),
        &mut LiveTraining::start(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
            loss: LiveFigure::new(),
            accuracy: LiveFigure::new(),
            epochs_drawn: 0,
        };
        assert!(!watch.after_update(&history));
    }
}
