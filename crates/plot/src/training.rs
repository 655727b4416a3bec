//! Training curves: the loss per iteration (fig. 4-11), accuracy per epoch (fig. 4-12).

use crate::canvas::plot_error;
use plotters::prelude::*;

use super::draw::{chart, dash_mark, draw_legend, line_mark, Aspect, Axes};
use super::figure::Figure;
use super::theme::lighten;
use dlfs::train::History;

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
    if loss.is_empty() {
        return Figure::failed("loss_curve: the history has no losses (train_loss is empty)");
    }
    if let Some(i) = loss.iter().position(|v| !v.is_finite()) {
        return Figure::failed(format!(
            "loss_curve: train_loss[{i}] = {} is not finite",
            loss[i]
        ));
    }
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
    let top = loss.iter().copied().fold(0.0f64, f64::max) * 1.05;
    let top = if top > 0.0 { top } else { 1.0 };
    let xmax = (loss.len().max(2) - 1) as f64;
    Figure::from_fn(
        "Training loss per iteration  (fig. 4-11)",
        move |area, theme| {
            let mut c = chart(
                area,
                theme,
                &Axes {
                    x: 0.0..xmax,
                    y: 0.0..top,
                    x_desc: "iteration",
                    y_desc: "loss (cross-entropy)",
                    aspect: Aspect::Free,
                },
            )?;
            let thin = lighten(theme.color(0), 0.55).stroke_width(theme.px(1.0));
            c.draw_series(LineSeries::new(raw.clone(), thin))
                .map_err(plot_error)?
                .label("mini-batch loss")
                .legend(line_mark(
                    theme,
                    lighten(theme.color(0), 0.55).stroke_width(theme.px(3.0)),
                ));
            let bold = theme.line(theme.color(1));
            c.draw_series(LineSeries::new(smooth.clone(), bold))
                .map_err(plot_error)?
                .label(format!("moving average ({window} iterations)"))
                .legend(line_mark(theme, bold));
            draw_legend(&mut c, theme, SeriesLabelPosition::UpperRight)?;
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
    let title = format!(
        "Accuracy per epoch: train {:.4}, test {:.4} at the end  (fig. 4-12)",
        last.train_acc, last.test_acc
    );
    Figure::from_fn(title, move |area, theme| {
        let mut c = chart(
            area,
            theme,
            &Axes {
                x: 0.0..xmax,
                y: 0.0..1.0,
                x_desc: "epoch",
                y_desc: "accuracy",
                aspect: Aspect::Free,
            },
        )?;
        let a = theme.line(theme.color(0));
        c.draw_series(LineSeries::new(train.clone(), a))
            .map_err(plot_error)?
            .label("train")
            .legend(line_mark(theme, a));
        c.draw_series(
            train
                .iter()
                .map(|&p| Circle::new(p, theme.px(5.0), theme.color(0).filled())),
        )
        .map_err(plot_error)?;
        let b = theme.line(theme.color(1));
        c.draw_series(DashedLineSeries::new(
            test.clone(),
            theme.px(14.0),
            theme.px(8.0),
            b,
        ))
        .map_err(plot_error)?
        .label("test")
        .legend(dash_mark(theme, b));
        c.draw_series(
            test.iter()
                .map(|&p| TriangleMarker::new(p, theme.px(7.0), theme.color(1).filled())),
        )
        .map_err(plot_error)?;
        draw_legend(&mut c, theme, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::moving_average;

    #[test]
    fn moving_average_uses_a_trailing_window() {
        let m = moving_average(&[1.0, 3.0, 5.0, 7.0], 2);
        assert_eq!(m, vec![1.0, 2.0, 4.0, 6.0]);
    }
}
