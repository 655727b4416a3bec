//! The fast numerical gradient of [`TwoLayerNet`] (4.5.1): the same central differences
//! `(L(p + h) - L(p - h)) / (2h)` as the book's loop ([`TwoLayerNet::numerical_gradient`]),
//! one per parameter, but each perturbation recomputes only what it changes: the rows and the
//! hidden unit it touches, from the unperturbed forward pass kept in [`Base`]. The rows of `W1`
//! are shared out among threads (rayon). See [`super::numerical_gradient`] for the details.
//!
//! [`TwoLayerNet`]: dlfs::net::TwoLayerNet
//! [`TwoLayerNet::numerical_gradient`]: dlfs::net::TwoLayerNet::numerical_gradient

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use dlfs::activation::sigmoid_value as sig;
use dlfs::gradient::H;
use dlfs::loss::{neg_log, Target, DELTA};
use dlfs::net::Params;

/// Below this size of a score change, `expm1` is its Taylor polynomial (exact to rounding);
/// above it a touched row is recomputed in full.
const SMALL: f64 = 1e-2;

/// `exp(u) - 1` for `|u| <= SMALL`: the Taylor series to `u^6` (the rest is below 2e-16 relative).
fn expm1_small(u: f64) -> f64 {
    u * (1.0
        + u * (1.0 / 2.0
            + u * (1.0 / 6.0 + u * (1.0 / 24.0 + u * (1.0 / 120.0 + u * (1.0 / 720.0))))))
}

/// The unperturbed forward pass, and the target, laid out for the per-row updates.
struct Base {
    rows: usize,
    classes: usize,
    /// Pre-activations of the hidden layer, hidden unit by hidden unit: `a1t[j * rows + n]`.
    a1t: Vec<f64>,
    /// Their sigmoids, laid out the same way.
    z1t: Vec<f64>,
    /// Output scores, row by row.
    a2: Vec<f64>,
    /// `exp(a2[n, k] - max_k a2[n, k])`, row by row.
    e: Vec<f64>,
    /// Row sums of `e`.
    s: Vec<f64>,
    /// Per row, the classes with a non-zero target and their weight (1 for a label).
    targets: Vec<Vec<(usize, f64)>>,
}

impl Base {
    fn new(p: &Params, x: &ArrayView2<f64>, t: &Target) -> Base {
        let rows = x.nrows();
        let classes = p.w2.ncols();
        let a1 = x.dot(&p.w1) + &p.b1;
        let z1 = a1.mapv(sig);
        let a2m = z1.dot(&p.w2) + &p.b2;
        let mut e = Vec::with_capacity(rows * classes);
        let mut s = Vec::with_capacity(rows);
        for row in a2m.outer_iter() {
            let c = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let start = e.len();
            e.extend(row.iter().map(|&v| (v - c).exp()));
            s.push(e[start..].iter().sum());
        }
        let targets = match t {
            Target::Labels(labels) => labels.iter().map(|&l| vec![(l, 1.0)]).collect(),
            Target::OneHot(t) => t
                .outer_iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .filter(|(_, &tk)| tk != 0.0)
                        .map(|(k, &tk)| (k, tk))
                        .collect()
                })
                .collect(),
        };
        Base {
            rows,
            classes,
            a1t: a1.t().iter().copied().collect(),
            z1t: z1.t().iter().copied().collect(),
            a2: a2m.iter().copied().collect(),
            e,
            s,
            targets,
        }
    }

    /// `loss_n(p + h) - loss_n(p - h)` of row `n` (before the division by the number of rows)
    /// when its scores move by `up` at `p + h` and by `um` at `p - h`.
    fn row_diff(&self, n: usize, up: &[f64], um: &[f64]) -> f64 {
        let c = self.classes;
        let big = up.iter().chain(um).fold(0.0_f64, |m, &u| m.max(u.abs()));
        if big > SMALL || big.is_nan() {
            return self.row_loss_full(n, up) - self.row_loss_full(n, um);
        }
        let e = &self.e[n * c..(n + 1) * c];
        let (mut sp, mut sm) = (0.0, 0.0);
        for k in 0..c {
            sp += e[k] * expm1_small(up[k]);
            sm += e[k] * expm1_small(um[k]);
        }
        let sp = self.s[n] + sp;
        let sm = self.s[n] + sm;
        let mut diff = 0.0;
        for &(k, tk) in &self.targets[n] {
            let yp = (e[k] + e[k] * expm1_small(up[k])) / sp;
            let ym = (e[k] + e[k] * expm1_small(um[k])) / sm;
            let pp = (yp + DELTA).min(1.0);
            let pm = (ym + DELTA).min(1.0);
            // -ln(pp) + ln(pm), as one logarithm of a ratio close to 1.
            diff -= tk * ((pp - pm) / pm).ln_1p();
        }
        diff
    }

    /// The loss of row `n` with its scores moved by `u`, from scratch.
    fn row_loss_full(&self, n: usize, u: &[f64]) -> f64 {
        let c = self.classes;
        let a: Vec<f64> = self.a2[n * c..(n + 1) * c]
            .iter()
            .zip(u)
            .map(|(a, u)| a + u)
            .collect();
        let m = a.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let ex: Vec<f64> = a.iter().map(|v| (v - m).exp()).collect();
        let sum: f64 = ex.iter().sum();
        self.targets[n]
            .iter()
            .map(|&(k, tk)| tk * neg_log(ex[k] / sum))
            .sum()
    }

    /// Sum over the rows `(n, v)` of `loss_n(+) - loss_n(-)` when hidden unit `j`'s
    /// pre-activation moves by `dp * v` and `dm * v`.
    fn hidden_diff(
        &self,
        j: usize,
        rows: impl Iterator<Item = (usize, f64)>,
        (dp, dm): (f64, f64),
        w2_row: &ArrayView1<f64>,
        up: &mut [f64],
        um: &mut [f64],
    ) -> f64 {
        let a1 = &self.a1t[j * self.rows..(j + 1) * self.rows];
        let z1 = &self.z1t[j * self.rows..(j + 1) * self.rows];
        let mut acc = 0.0;
        for (n, v) in rows {
            let dzp = sig(a1[n] + dp * v) - z1[n];
            let dzm = sig(a1[n] + dm * v) - z1[n];
            for (k, &w) in w2_row.iter().enumerate() {
                up[k] = dzp * w;
                um[k] = dzm * w;
            }
            acc += self.row_diff(n, up, um);
        }
        acc
    }
}

/// The two actual steps of a parameter `w` in floating point: `(w + h) - w`, `(w - h) - w`.
fn steps(w: f64) -> (f64, f64) {
    ((w + H) - w, (w - H) - w)
}

/// `∂L/∂p` from the summed row differences: `(L(p + h) - L(p - h)) / (2h)`.
fn central(sum_diff: f64, rows: usize) -> f64 {
    sum_diff / rows as f64 / (2.0 * H)
}

/// The gradient of the checked loss of `x` against `t` for all four arrays.
pub(super) fn gradient(p: &Params, x: &ArrayView2<f64>, t: &Target) -> Params {
    let base = Base::new(p, x, t);
    let (rows, inputs, hidden, classes) = (x.nrows(), p.w1.nrows(), p.w1.ncols(), base.classes);

    // The non-zero entries of x, column by column: (row, value).
    let mut start = vec![0usize; inputs + 1];
    for row in x.outer_iter() {
        for (i, &v) in row.iter().enumerate() {
            if v != 0.0 {
                start[i + 1] += 1;
            }
        }
    }
    for i in 0..inputs {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut entries = vec![(0usize, 0.0f64); start[inputs]];
    for (n, row) in x.outer_iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            if v != 0.0 {
                entries[fill[i]] = (n, v);
                fill[i] += 1;
            }
        }
    }

    // W1, row by row in parallel: W1[i, j] moves hidden unit j in the rows where x[n, i] != 0.
    let mut gw1 = vec![0.0; inputs * hidden];
    gw1.par_chunks_mut(hidden).enumerate().for_each(|(i, g)| {
        let col = &entries[start[i]..start[i + 1]];
        if col.is_empty() {
            return; // no row sees this input: the loss does not depend on W1[i, :]
        }
        let (mut up, mut um) = (vec![0.0; classes], vec![0.0; classes]);
        for (j, gj) in g.iter_mut().enumerate() {
            let sum = base.hidden_diff(
                j,
                col.iter().copied(),
                steps(p.w1[[i, j]]),
                &p.w2.row(j),
                &mut up,
                &mut um,
            );
            *gj = central(sum, rows);
        }
    });

    // b1[j] moves hidden unit j by ±h in every row.
    let gb1: Vec<f64> = (0..hidden)
        .into_par_iter()
        .map(|j| {
            let (mut up, mut um) = (vec![0.0; classes], vec![0.0; classes]);
            let sum = base.hidden_diff(
                j,
                (0..rows).map(|n| (n, 1.0)),
                steps(p.b1[j]),
                &p.w2.row(j),
                &mut up,
                &mut um,
            );
            central(sum, rows)
        })
        .collect();

    // W2[j, k] moves the score a2[n, k] by ±h z1[n, j]; b2[k] moves it by ±h.
    let gw2: Vec<f64> = (0..hidden * classes)
        .into_par_iter()
        .map(|jk| {
            let (j, k) = (jk / classes, jk % classes);
            let (dp, dm) = steps(p.w2[[j, k]]);
            let z1 = &base.z1t[j * rows..(j + 1) * rows];
            let (mut up, mut um) = (vec![0.0; classes], vec![0.0; classes]);
            let sum: f64 = (0..rows)
                .map(|n| {
                    up[k] = dp * z1[n];
                    um[k] = dm * z1[n];
                    base.row_diff(n, &up, &um)
                })
                .sum();
            central(sum, rows)
        })
        .collect();
    let gb2: Vec<f64> = (0..classes)
        .map(|k| {
            let (dp, dm) = steps(p.b2[k]);
            let (mut up, mut um) = (vec![0.0; classes], vec![0.0; classes]);
            up[k] = dp;
            um[k] = dm;
            let sum: f64 = (0..rows).map(|n| base.row_diff(n, &up, &um)).sum();
            central(sum, rows)
        })
        .collect();

    Params {
        w1: Array2::from_shape_vec((inputs, hidden), gw1).expect("inputs x hidden values"),
        b1: Array1::from(gb1),
        w2: Array2::from_shape_vec((hidden, classes), gw2).expect("hidden x classes values"),
        b2: Array1::from(gb2),
    }
}
