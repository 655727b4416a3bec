//! Training curves: the loss per iteration (fig. 4-11), accuracy per epoch (fig. 4-12).

use crate::canvas::plot_error;
use crate::lang::{language, say, tr, Language};
use plotters::prelude::*;

use super::draw::{chart, draw_clipped, Aspect, Axes, Legend, Mark};
use super::figure::Figure;
use super::theme::lighten;
use dlfs::train::{EpochRecord, History};

/// The moving average of `v` over a trailing window of `w` values (shorter at the start):
/// `m_i = mean(v[max(0, i+1-w) ..= i])`.
fn moving_average(v: &[f64], w: usize) -> Vec<f64> {
    let w = w.max(1);
    let mut out = Vec::with_capacity(v.len());
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i];
        if i >= w {
            sum -= v[i - w];
        }
        out.push(sum / (i + 1).min(w) as f64);
    }
    out
}

/// The mini-batch loss of every iteration (fig. 4-11, 4.5.2): the raw values as a thin light
/// line, their moving average (over 1% of the run, at least 10 iterations) as a bold line.
/// The loss falls as the network learns.
pub fn loss_curve(history: &History) -> Figure {
    let loss = &history.train_loss;
    match top_of(loss, "loss_curve") {
        Ok(top) => loss_panel(loss, top),
        Err(failed) => failed,
    }
}

/// [`loss_curve`] of the first `n` iterations only: `train_loss[..n]`, the whole record when it
/// holds fewer (as Python's slice). The book's figure 4-11 draws the first 1,000 iterations of
/// its run this way, on the right (4.5.2). `n = 0` gives a figure that fails with that message.
pub fn loss_curve_first(history: &History, n: usize) -> Figure {
    if n == 0 {
        return Figure::failed("loss_curve_first: n = 0 asks for no losses (give n >= 1)");
    }
    let loss = &history.train_loss[..n.min(history.train_loss.len())];
    match top_of(loss, "loss_curve_first") {
        Ok(top) => loss_panel(loss, top),
        Err(failed) => failed,
    }
}

/// The mini-batch losses of several runs, one [`loss_curve`] panel each, side by side, titled
/// by the first item of each pair and drawn on **one** y axis (0 to the largest loss of all),
/// so that the runs can be compared by eye (4.5's exercise on the batch size).
pub fn loss_curves<S: AsRef<str>>(runs: &[(S, &History)]) -> Figure {
    let mut top = 0.0f64;
    for (_, history) in runs {
        match top_of(&history.train_loss, "loss_curves") {
            Ok(t) => top = top.max(t),
            Err(failed) => return failed,
        }
    }
    let panels = runs
        .iter()
        .map(|(title, history)| loss_panel(&history.train_loss, top).title(title.as_ref()))
        .collect::<Vec<_>>();
    let cols = panels.len();
    Figure::grid(panels, cols)
}

/// The top of the y axis for the losses `loss` (5% above the largest), or the failed figure
/// of `who` when there are none or one is not finite.
fn top_of(loss: &[f64], who: &str) -> Result<f64, Figure> {
    if loss.is_empty() {
        return Err(Figure::failed(format!(
            "{who}: the history has no losses (train_loss is empty)"
        )));
    }
    if let Some(i) = loss.iter().position(|v| !v.is_finite()) {
        return Err(Figure::failed(format!(
            "{who}: train_loss[{i}] = {} is not finite",
            loss[i]
        )));
    }
    let top = loss.iter().copied().fold(0.0f64, f64::max) * 1.05;
    Ok(if top > 0.0 { top } else { 1.0 })
}

/// [`loss_curve`] of checked losses on the y axis `0..top`.
fn loss_panel(loss: &[f64], top: f64) -> Figure {
    let window = (loss.len() / 100).max(10).min(loss.len());
    let raw: Vec<(f64, f64)> = loss
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as f64, v))
        .collect();
    let smooth: Vec<(f64, f64)> = moving_average(loss, window)
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i as f64, v))
        .collect();
    let xmax = (loss.len().max(2) - 1) as f64;
    Figure::from_fn(
        tr(
            "Training loss per iteration  (fig. 4-11)",
            "반복마다의 훈련 손실  (그림 4-11)",
        ),
        move |area, theme| {
            let mut c = chart(
                area,
                theme,
                &Axes {
                    x: 0.0..xmax,
                    y: 0.0..top,
                    x_desc: tr("iteration", "반복 횟수"),
                    y_desc: tr("loss (cross-entropy)", "손실 (교차 엔트로피 오차)"),
                    aspect: Aspect::Free,
                },
            )?;
            let thin = lighten(theme.color(0), 0.55).stroke_width(theme.px(1.0));
            draw_clipped(&mut c, theme, &raw, Mark::Line(thin))?;
            let bold = theme.line(theme.color(1));
            draw_clipped(&mut c, theme, &smooth, Mark::Line(bold))?;
            let mut legend = Legend::default();
            let thick = lighten(theme.color(0), 0.55).stroke_width(theme.px(3.0));
            legend.add(tr("mini-batch loss", "미니배치 손실"), Mark::Line(thick));
            legend.add(
                say!(
                    "moving average ({window} iterations)",
                    "이동 평균 ({window}회)"
                ),
                Mark::Line(bold),
            );
            legend.draw_where_free(&c, theme, &[raw.as_slice(), smooth.as_slice()])?;
            Ok(())
        },
    )
}

/// Accuracy on the whole training and test sets after each epoch (fig. 4-12, 4.5.3), with a
/// legend: train solid, test dashed. The two curves staying together means no overfitting.
pub fn accuracy_curve(history: &History) -> Figure {
    let e = &history.epochs;
    if e.is_empty() {
        return Figure::failed("accuracy_curve: the history has no epoch records");
    }
    if let Some(r) = e
        .iter()
        .find(|r| !(r.train_acc.is_finite() && r.test_acc.is_finite()))
    {
        return Figure::failed(format!(
            "accuracy_curve: epoch {} has accuracy train {} test {}",
            r.epoch, r.train_acc, r.test_acc
        ));
    }
    let train: Vec<(f64, f64)> = e.iter().map(|r| (r.epoch as f64, r.train_acc)).collect();
    let test: Vec<(f64, f64)> = e.iter().map(|r| (r.epoch as f64, r.test_acc)).collect();
    let last = &e[e.len() - 1];
    let xmax = (last.epoch.max(1)) as f64;
    // A margin of 2% each side, so the strokes clipped to the plot area start at their markers.
    let pad = 0.02 * xmax;
    let title = say!(
        "Accuracy per epoch: train {:.4}, test {:.4} at epoch {}  (fig. 4-12)",
        "에폭별 정확도: {2}에폭에서 훈련 {0:.4}, 시험 {1:.4}  (그림 4-12)",
        last.train_acc,
        last.test_acc,
        last.epoch
    );
    Figure::from_fn(title, move |area, theme| {
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: -pad..xmax + pad,
                y: 0.0..1.0,
                x_desc: tr("epoch", "에폭"),
                y_desc: tr("accuracy", "정확도"),
                aspect: Aspect::Free,
            },
        )?;
        let a = theme.line(theme.color(0));
        draw_clipped(&mut c, theme, &train, Mark::Line(a))?;
        c.draw_series(
            train
                .iter()
                .map(|&p| Circle::new(p, theme.px(5.0), theme.color(0).filled())),
        )
        .map_err(plot_error)?;
        let b = theme.line(theme.color(1));
        draw_clipped(&mut c, theme, &test, Mark::Dash(b))?;
        c.draw_series(
            test.iter()
                .map(|&p| TriangleMarker::new(p, theme.px(7.0), theme.color(1).filled())),
        )
        .map_err(plot_error)?;
        let mut legend = Legend::default();
        legend.add(tr("train", "훈련 데이터"), Mark::Line(a));
        legend.add(tr("test", "시험 데이터"), Mark::Dash(b));
        legend.draw_where_free(&c, theme, &[train.as_slice(), test.as_slice()])?;
        Ok(())
    })
}

/// The line a notebook's training prints for an epoch (4.5.3), in the figures' [`language`]:
/// English is the command line's [`dlfs::train::epoch_line`]
/// (`epoch 3/16  loss 0.409  train 0.8981  test 0.9026`), Korean says the same words in Korean
/// (`에폭 3/16  손실 0.409  훈련 0.8981  시험 0.9026`). The number after the slash is the run's
/// last epoch; the loss is the mini-batch's, the accuracies those of the whole training and
/// test sets.
pub(crate) fn epoch_line(record: &EpochRecord, last_epoch: usize) -> String {
    epoch_line_in(language(), record, last_epoch)
}

/// [`epoch_line`] in the language `lang`.
fn epoch_line_in(lang: Language, record: &EpochRecord, last_epoch: usize) -> String {
    match lang {
        Language::English => dlfs::train::epoch_line(record, last_epoch),
        Language::Korean => format!(
            "에폭 {}/{}  손실 {:.3}  훈련 {:.4}  시험 {:.4}",
            record.epoch, last_epoch, record.loss, record.train_acc, record.test_acc
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn losses(v: &[f64]) -> History {
        History {
            train_loss: v.to_vec(),
            ..History::default()
        }
    }

    #[test]
    fn several_runs_share_the_top_of_the_largest_loss() {
        let (low, high) = (losses(&[1.0, 0.5]), losses(&[4.0, 2.0]));
        assert_eq!(top_of(&low.train_loss, "t").ok(), Some(1.05));
        assert_eq!(top_of(&high.train_loss, "t").ok(), Some(4.2));
        // The left panel (the low run) is drawn on the axis the largest loss of all sets.
        let left = |runs: &[(&str, &History)]| {
            let png = loss_curves(runs).png_bytes().unwrap();
            let mut reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
            let mut rgb = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut rgb).unwrap();
            let row = info.line_size;
            (0..info.height as usize)
                .flat_map(|y| rgb[y * row..y * row + row / 2].to_vec())
                .collect::<Vec<u8>>()
        };
        let other_high = losses(&[4.0, 3.0]); // the same largest loss as `high`
        assert_eq!(
            left(&[("low", &low), ("high", &high)]),
            left(&[("low", &low), ("high", &other_high)])
        );
        assert_ne!(
            left(&[("low", &low), ("high", &high)]),
            left(&[("low", &low), ("high", &low)])
        );
        let empty = loss_curves(&[("a", &low), ("b", &History::default())]);
        let err = empty.png_bytes().unwrap_err().to_string();
        assert!(
            err.contains("loss_curves") && err.contains("no losses"),
            "{err}"
        );
        let nan = loss_curves(&[("a", &losses(&[1.0, f64::NAN]))]);
        assert!(nan
            .png_bytes()
            .unwrap_err()
            .to_string()
            .contains("train_loss[1]"));
    }

    #[test]
    fn epoch_lines_speak_the_language_of_the_figures() {
        let record = EpochRecord {
            epoch: 1,
            iteration: 600,
            loss: 0.8119,
            train_acc: 0.79091,
            test_acc: 0.7978,
        };
        let en = epoch_line_in(Language::English, &record, 16);
        assert_eq!(en, "epoch 1/16  loss 0.812  train 0.7909  test 0.7978");
        assert_eq!(
            en,
            dlfs::train::epoch_line(&record, 16),
            "the command line's line"
        );
        let ko = epoch_line_in(Language::Korean, &record, 16);
        assert_eq!(ko, "에폭 1/16  손실 0.812  훈련 0.7909  시험 0.7978");
    }

    /// The pixels of `figure` as RGB bytes.
    fn pixels(figure: &Figure) -> Vec<u8> {
        let png = figure.png_bytes().unwrap();
        let mut reader = png::Decoder::new(png.as_slice()).read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut rgb).unwrap();
        rgb.truncate(info.buffer_size());
        rgb
    }

    #[test]
    fn the_first_n_losses_are_drawn_as_a_history_of_n_losses() {
        let run = losses(&[2.3, 2.2, 1.0, 0.6, 0.5, 0.9, 0.4, 0.3]);
        let first_4 = losses(&run.train_loss[..4]);
        let size = |f: Figure| f.size(480, 320);
        let cut = pixels(&size(loss_curve_first(&run, 4)));
        assert_eq!(cut, pixels(&size(loss_curve(&first_4))));
        assert_ne!(
            cut,
            pixels(&size(loss_curve(&run))),
            "the later losses are left out"
        );
        // More than the run holds: the whole run, as a slice `[:n]` in Python.
        let all = pixels(&size(loss_curve_first(&run, 100)));
        assert_eq!(all, pixels(&size(loss_curve(&run))));
        // Only the first n are checked: a NaN after them does not matter, one among them does.
        let mut late_nan = run.clone();
        late_nan.train_loss[6] = f64::NAN;
        assert_eq!(pixels(&size(loss_curve_first(&late_nan, 4))), cut);
        let err = loss_curve_first(&late_nan, 7)
            .png_bytes()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("loss_curve_first") && err.contains("train_loss[6]"),
            "{err}"
        );
        let none = loss_curve_first(&run, 0)
            .png_bytes()
            .unwrap_err()
            .to_string();
        assert!(none.contains("n = 0"), "{none}");
        let empty = loss_curve_first(&History::default(), 10);
        assert!(empty
            .png_bytes()
            .unwrap_err()
            .to_string()
            .contains("no losses"));
    }

    #[test]
    fn moving_average_uses_a_trailing_window() {
        let m = moving_average(&[1.0, 3.0, 5.0, 7.0], 2);
        assert_eq!(m, vec![1.0, 2.0, 4.0, 6.0]);
    }
}
