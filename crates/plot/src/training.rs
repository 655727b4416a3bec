//! Training curves: the loss per iteration (fig. 4-11), accuracy per epoch (fig. 4-12).

use crate::canvas::plot_error;
use crate::lang::{say, tr};
use plotters::prelude::*;

use super::draw::{chart, draw_clipped, Aspect, Axes, Legend, Mark};
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
                x: 0.0..xmax,
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

#[cfg(test)]
mod tests {
    use super::moving_average;

    #[test]
    fn moving_average_uses_a_trailing_window() {
        let m = moving_average(&[1.0, 3.0, 5.0, 7.0], 2);
        assert_eq!(m, vec![1.0, 2.0, 4.0, 6.0]);
    }
}
