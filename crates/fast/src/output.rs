//! The fast trainer's second layer, on plain row-major slices: the scores `z1 · W2 + b2`, the
//! softmax, the loss, and the backpropagation from the loss back to `da1` (4.5.1's
//! `gradient`, all but `dW1`). Small (100 x 50 x 10 for a mini-batch), so written as loops
//! over the rows with the ten classes of MNIST ([`CLASSES`]) in registers, and no matrices to
//! allocate; each sum runs in a fixed order, with no fused multiply-add, so the numbers are
//! the same on every machine.

use super::kernels::{self, vector_versions};
use dlfs::loss::neg_log;
use dlfs::mnist::CLASSES;
use dlfs::net::Params;

/// The parameters of the second layer as slices: `W2` (hidden x classes) and `b2`.
fn second_layer(p: &Params) -> (&[f64], &[f64]) {
    assert_eq!(
        p.w2.ncols(),
        CLASSES,
        "the fast trainer's nets have {CLASSES} outputs"
    );
    (
        p.w2.as_slice().expect("W2 is in standard layout"),
        p.b2.as_slice().expect("b2 is contiguous"),
    )
}

#[inline(always)]
fn scores_plain(z: &[f64], w2: &[f64], b2: &[f64], out: &mut [f64]) {
    let h = w2.len() / CLASSES;
    // Four rows at a time: four independent sums keep the processor busy.
    for (s, z) in out.chunks_mut(4 * CLASSES).zip(z.chunks(4 * h)) {
        let rows = z.len() / h;
        let mut acc = [[0.0; CLASSES]; 4];
        for (i, w) in w2.chunks_exact(CLASSES).enumerate() {
            for (q, acc) in acc.iter_mut().enumerate().take(rows) {
                let zi = z[q * h + i];
                for j in 0..CLASSES {
                    acc[j] += zi * w[j];
                }
            }
        }
        for (s, acc) in s.chunks_exact_mut(CLASSES).zip(&acc) {
            for j in 0..CLASSES {
                s[j] = acc[j] + b2[j];
            }
        }
    }
}

vector_versions! {
    fn scores_into(z: &[f64], w2: &[f64], b2: &[f64], out: &mut [f64]) = scores_plain;
}

/// The scores `z · W2 + b2` of the rows of the hidden layer `z` (rows of `hidden` values),
/// rows of 10.
pub(super) fn scores(z: &[f64], p: &Params) -> Vec<f64> {
    let mut out = vec![0.0; z.len() / p.w2.nrows().max(1) * CLASSES];
    scores_rows(z, p, &mut out);
    out
}

/// [`scores`] into `out`.
fn scores_rows(z: &[f64], p: &Params, out: &mut [f64]) {
    let (w2, b2) = second_layer(p);
    scores_into(z, w2, b2, out);
}

#[inline(always)]
fn softmax_plain(y: &mut [f64]) {
    for row in y.chunks_exact_mut(CLASSES) {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = kernels::exp(*v - max);
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}

vector_versions! {
    /// Each row of `y` (rows of 10) becomes its softmax: `exp(y - max) / sum(exp(y - max))`.
    pub(super) fn softmax_rows(y: &mut [f64]) = softmax_plain;
}

/// `y` = the softmax of the scores of the rows of the hidden layer `z`: the net's output.
pub(super) fn softmax_into(z: &[f64], p: &Params, y: &mut [f64]) {
    scores_rows(z, p, y);
    softmax_rows(y);
}

/// [`softmax_into`], in a new vector.
pub(super) fn softmax(z: &[f64], p: &Params) -> Vec<f64> {
    let mut y = scores(z, p);
    softmax_rows(&mut y);
    y
}

/// `out[i]` = the cross-entropy of row `i` of the softmax rows `y` with its label.
pub(super) fn row_losses(y: &[f64], labels: &[usize], out: &mut [f64]) {
    for ((o, row), &label) in out.iter_mut().zip(y.chunks_exact(CLASSES)).zip(labels) {
        *o = neg_log(row[label]);
    }
}

/// The mean of the rows' cross-entropies, added in order (the mini-batch's loss).
pub(super) fn mean_loss(losses: &[f64]) -> f64 {
    losses.iter().sum::<f64>() / losses.len() as f64
}

/// The mean cross-entropy of the softmax rows `y` with the labels, as
/// [`cross_entropy_error`](dlfs::loss::cross_entropy_error) computes it.
pub(super) fn loss(y: &[f64], labels: &[usize]) -> f64 {
    let mut losses = vec![0.0; labels.len()];
    row_losses(y, labels, &mut losses);
    mean_loss(&losses)
}

/// The gradients of the mini-batch loss by backpropagation, all but `dW1`: the reference that
/// the tests hold [`Trainer::step`](super::passes) to.
#[cfg(test)]
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Grads {
    /// `da1 = dy W2ᵀ ⊙ z1 (1 - z1)`, rows x hidden: what `dW1 = xᵀ da1` needs.
    pub(super) da1: Vec<f64>,
    /// `db1 = sum of the rows of da1`.
    pub(super) b1: Vec<f64>,
    /// `dW2 = z1ᵀ dy`, hidden x classes.
    pub(super) w2: Vec<f64>,
    /// `db2 = sum of the rows of dy`.
    pub(super) b2: Vec<f64>,
}

/// `dy = (y - t) / n` for some rows of the softmax `y`, `n` being the mini-batch's size.
fn dy_rows(y: &mut [f64], labels: &[usize], n: usize) {
    for (row, &label) in y.chunks_exact_mut(CLASSES).zip(labels) {
        row[label] -= 1.0;
        for v in row.iter_mut() {
            *v /= n as f64;
        }
    }
}

/// `out[r, :]` = the sum of the rows of `m` (rows of `width`), in order: `db1` from `da1`, or
/// `db2` from `dy`.
pub(super) fn sum_rows(m: &[f64], width: usize) -> Vec<f64> {
    let mut sum = vec![0.0; width];
    for row in m.chunks_exact(width) {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    sum
}

#[inline(always)]
fn second_grads_plain(z: &[f64], dy: &[f64], h: usize, lo: usize, out: &mut [f64]) {
    // Rows lo.. of dW2 = z1ᵀ dy, adding the mini-batch's rows in order, four rows of dW2 at a
    // time (four independent sums keep the processor busy).
    let units = out.len() / CLASSES;
    let mut i = 0;
    while i < units {
        let rows = (units - i).min(4);
        let mut acc = [[0.0; CLASSES]; 4];
        for (z, d) in z.chunks_exact(h).zip(dy.chunks_exact(CLASSES)) {
            for (q, acc) in acc.iter_mut().enumerate().take(rows) {
                let zi = z[lo + i + q];
                for j in 0..CLASSES {
                    acc[j] += zi * d[j];
                }
            }
        }
        for (q, acc) in acc.iter().enumerate().take(rows) {
            out[(i + q) * CLASSES..(i + q + 1) * CLASSES].copy_from_slice(acc);
        }
        i += rows;
    }
}

vector_versions! {
    /// Rows `lo..lo + out.len() / 10` of `dW2 = z1ᵀ dy` (hidden x classes), from the hidden
    /// layer `z` (rows of `h`) and `dy`, into `out`.
    pub(super) fn second_grads_rows(z: &[f64], dy: &[f64], h: usize, lo: usize, out: &mut [f64])
        = second_grads_plain;
}

/// `W2ᵀ`, classes x hidden.
pub(super) fn transpose_w2(p: &Params) -> Vec<f64> {
    let (w2, _) = second_layer(p);
    let h = w2.len() / CLASSES;
    let mut w2t = vec![0.0; CLASSES * h];
    for (i, w) in w2.chunks_exact(CLASSES).enumerate() {
        for j in 0..CLASSES {
            w2t[j * h + i] = w[j];
        }
    }
    w2t
}

#[inline(always)]
fn hidden_grads_plain(z: &[f64], dy: &[f64], w2t: &[f64], da1: &mut [f64]) {
    let h = w2t.len() / CLASSES;
    // da1 = (dy W2ᵀ) ⊙ z1 (1 - z1): each value the sum over the classes, in order, of dy
    // times W2ᵀ, eight hidden units at a time in registers.
    for ((out, z), d) in da1
        .chunks_exact_mut(h)
        .zip(z.chunks_exact(h))
        .zip(dy.chunks_exact(CLASSES))
    {
        let mut i = 0;
        while i + 8 <= h {
            let mut acc = [0.0; 8];
            for (j, &dj) in d.iter().enumerate() {
                let w: &[f64; 8] = w2t[j * h + i..j * h + i + 8].try_into().expect("8 values");
                for k in 0..8 {
                    acc[k] += dj * w[k];
                }
            }
            let zs: &[f64; 8] = z[i..i + 8].try_into().expect("8 values");
            let o: &mut [f64; 8] = (&mut out[i..i + 8]).try_into().expect("8 values");
            for k in 0..8 {
                o[k] = acc[k] * (zs[k] * (1.0 - zs[k]));
            }
            i += 8;
        }
        // The last few units (2 of 50) two at a time, then one.
        while i + 2 <= h {
            let mut acc = [0.0; 2];
            for (j, &dj) in d.iter().enumerate() {
                let w: &[f64; 2] = w2t[j * h + i..j * h + i + 2].try_into().expect("2 values");
                acc[0] += dj * w[0];
                acc[1] += dj * w[1];
            }
            for k in 0..2 {
                out[i + k] = acc[k] * (z[i + k] * (1.0 - z[i + k]));
            }
            i += 2;
        }
        for i in i..h {
            let mut acc = 0.0;
            for (j, &dj) in d.iter().enumerate() {
                acc += dj * w2t[j * h + i];
            }
            out[i] = acc * (z[i] * (1.0 - z[i]));
        }
    }
}

vector_versions! {
    /// The rows of `da1 = dy W2ᵀ ⊙ z1 (1 - z1)` for some rows of the hidden layer `z` and of
    /// `dy`, into `da1`; `w2t` is [`transpose_w2`].
    fn hidden_grads_rows(z: &[f64], dy: &[f64], w2t: &[f64], da1: &mut [f64])
        = hidden_grads_plain;
}

/// The backpropagation row by row, for some rows of a mini-batch of `n`: their softmax `y`
/// becomes `dy = (y - t) / n` ([`dy_rows`]), then their `da1` ([`hidden_grads_rows`]).
pub(super) fn backprop_rows(
    z: &[f64],
    y: &mut [f64],
    labels: &[usize],
    n: usize,
    w2t: &[f64],
    da1: &mut [f64],
) {
    dy_rows(y, labels, n);
    hidden_grads_rows(z, y, w2t, da1);
}

#[cfg(test)]
impl Grads {
    /// From the hidden layer `z` (rows of `hidden`) and the softmax `y` of the scores, as the
    /// book's `gradient`: `dy = (y - t) / N`, `dW2 = z1ᵀ dy`, `db2 = sum dy`,
    /// `da1 = dy W2ᵀ ⊙ z1 (1 - z1)`, `db1 = sum da1`. `y` becomes `dy`.
    pub(crate) fn backprop(z: &[f64], y: &mut [f64], labels: &[usize], p: &Params) -> Grads {
        let h = p.w2.nrows();
        let mut da1 = vec![0.0; z.len()];
        backprop_rows(z, y, labels, labels.len(), &transpose_w2(p), &mut da1);
        let mut w2 = vec![0.0; h * CLASSES];
        second_grads_rows(z, y, h, 0, &mut w2);
        Grads {
            b1: sum_rows(&da1, h),
            da1,
            w2,
            b2: sum_rows(y, CLASSES),
        }
    }
}

#[cfg(test)]
mod tests {
    use dlfs::batch::rng;
    use dlfs::loss::cross_entropy_error;
    use ndarray::Array2;
    use ndarray_rand::rand::Rng;

    #[test]
    fn the_loss_is_the_books_cross_entropy_to_the_last_bit() {
        let mut r = rng(4);
        let mut y = Array2::from_shape_fn((37, 10), |_| r.random_range(0.0..1.0));
        y[[3, 4]] = 0.0;
        y[[5, 1]] = 1.0;
        let labels: Vec<usize> = (0..37).map(|i| (i * 7) % 10).collect();
        let expected = cross_entropy_error(&y, &labels).unwrap();
        assert_eq!(super::loss(y.as_slice().unwrap(), &labels), expected);
    }

    #[test]
    fn a_nan_probability_gives_a_nan_loss_not_a_perfect_one() {
        let mut y = vec![0.1; 20];
        y[3] = f64::NAN;
        let mut losses = [0.0; 2];
        super::row_losses(&y, &[3, 3], &mut losses);
        assert!(losses[0].is_nan());
        assert_eq!(losses[1], -(0.1f64 + 1e-7).ln());
        assert!(super::mean_loss(&losses).is_nan());
    }
}
