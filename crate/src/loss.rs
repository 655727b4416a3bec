//! Loss functions (4.2): how far the network's output `y` is from the target `t`.
//!
//! Both losses take the output `y` as one sample (a vector) or a batch (one row per
//! sample), and the target in either of its two kinds, told apart by its type:
//!
//! - one-hot rows, an `f64` array of the same shape as `y` (`t = [0, 0, 1, 0, ...]`);
//! - class labels, `usize`s: one label for one sample, one per row for a batch (`t = 2`).
//!
//! For a batch the loss is the mean over its rows (4.2.3): `E = -1/N sum_n sum_k t_nk log y_nk`.

use std::borrow::Cow;

use ndarray::{Array2, ArrayBase, ArrayView, ArrayView2, Axis, CowArray, Data, Dimension, Ix2};

use crate::error::{finite, Error, Result};

/// The `delta` added inside the logarithm so that `log 0 = -inf` never happens (4.2.2).
pub const DELTA: f64 = 1e-7;

/// A target of a loss, in one of its two kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// One row per sample, each a probability distribution over the classes (one-hot or soft).
    OneHot(CowArray<'a, f64, Ix2>),
    /// One class number per sample.
    Labels(Cow<'a, [usize]>),
}

/// MNIST's labels, owned: the one target type, as [`load_mnist`](crate::mnist::load_mnist)
/// gives it (`Target::Labels` class numbers, or `Target::OneHot` rows of 10).
pub type Labels = Target<'static>;

impl Target<'_> {
    /// Number of samples (labels or rows).
    pub fn len(&self) -> usize {
        match self {
            Target::Labels(t) => t.len(),
            Target::OneHot(t) => t.nrows(),
        }
    }

    /// True if there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class numbers: as they are, or the [`argmax`](crate::net::argmax) of each row
    /// (`np.argmax(t, axis=1)`, 4.5.1's accuracy).
    pub fn classes(&self) -> Vec<usize> {
        match self {
            Target::Labels(t) => t.to_vec(),
            Target::OneHot(t) => t.rows().into_iter().map(crate::net::argmax).collect(),
        }
    }

    /// The rows `idx`, in that order, of the same kind: a mini-batch's `t_train[batch_mask]`
    /// (4.2.3). An index past the last sample is an error that names it.
    pub fn select(&self, idx: &[usize]) -> Result<Labels> {
        let n = self.len();
        if let Some((k, &i)) = idx.iter().enumerate().find(|(_, &i)| i >= n) {
            return Err(Error::InvalidArgument(format!(
                "select: index {i} (at position {k}) is out of range for {n} labels (0..={})",
                n.saturating_sub(1)
            )));
        }
        Ok(match self {
            Target::Labels(t) => Target::Labels(idx.iter().map(|&i| t[i]).collect()),
            Target::OneHot(t) => Target::OneHot(t.select(Axis(0), idx).into()),
        })
    }

    /// This target checked against an output of `rows` x `classes` (`y_shape` as the caller
    /// gave it, for the messages): as many labels or rows, labels below `classes`, finite
    /// one-hot rows of `classes` values; with `distributions`, each one-hot row must also be a
    /// probability distribution, values in [0, 1] summing to 1 (the notes' 4.5.1 demo feeds
    /// `np.random.rand(100, 10)`). Errors begin with `what`.
    pub(crate) fn fit(
        self,
        y_shape: &[usize],
        (rows, classes): (usize, usize),
        distributions: bool,
        what: &str,
    ) -> Result<Self> {
        match &self {
            Target::OneHot(t) if t.shape() != [rows, classes] => {
                // Name the target's shape as it was given: a vector for a one-sample output.
                let t_shape = match (y_shape.len(), t.nrows()) {
                    (1, 1) => vec![t.ncols()],
                    _ => t.shape().to_vec(),
                };
                return Err(Error::Shape(format!(
                    "{what}: the target has shape {t_shape:?} but the output y has shape \
                     {y_shape:?}"
                )));
            }
            Target::OneHot(t) => {
                finite(t.view(), format_args!("{what}: the target"))?;
                let bad = |row: &ArrayView<f64, _>| {
                    row.iter().any(|v| !(0.0..=1.0).contains(v)) || (row.sum() - 1.0).abs() > 1e-6
                };
                let mut numbered = t.outer_iter().enumerate();
                if let Some((i, row)) = numbered.find(|(_, r)| distributions && bad(r)) {
                    return Err(Error::InvalidArgument(format!(
                        "{what}: target row {i} is {row:.3}, not one-hot: each row needs values \
                         in [0, 1] that sum to 1 (it sums to {:.3}); give class labels instead?",
                        row.sum()
                    )));
                }
            }
            Target::Labels(labels) if labels.len() != rows => {
                return Err(Error::Shape(format!(
                    "{what}: {} labels for {rows} rows of output (y has shape {y_shape:?})",
                    labels.len()
                )));
            }
            Target::Labels(labels) => {
                if let Some((i, l)) = labels.iter().enumerate().find(|(_, &l)| l >= classes) {
                    return Err(Error::Label(format!(
                        "{what}: label {l} at index {i} is not one of the {classes} classes (0..={})",
                        classes - 1
                    )));
                }
            }
        }
        Ok(self)
    }
}

/// Class labels as an owned target.
impl From<Vec<usize>> for Labels {
    fn from(labels: Vec<usize>) -> Labels {
        Target::Labels(Cow::Owned(labels))
    }
}

/// One-hot rows as an owned target.
impl From<Array2<f64>> for Labels {
    fn from(rows: Array2<f64>) -> Labels {
        Target::OneHot(CowArray::from(rows))
    }
}

/// Anything that can serve as a target of a loss, by value or by reference:
///
/// - one-hot rows (or rows of probabilities): an array of `f64` of one axis (one sample) or
///   two (a batch), owned or a view;
/// - class labels: a single `usize` (one sample), `[usize]`, `Vec<usize>` or `[usize; N]` (one
///   per row);
/// - a [`Target`].
///
/// So `cross_entropy_error(&y, &t)`, `cross_entropy_error(&y, 2)` and
/// `net.loss(&x, &t_batch)` all read as in the book.
pub trait IntoTarget {
    /// The target, borrowing from `self` where it can; an error if its shape cannot be one (a
    /// 3-D array, say).
    fn target(&self) -> Result<Target<'_>>;
}

impl<T: IntoTarget + ?Sized> IntoTarget for &T {
    fn target(&self) -> Result<Target<'_>> {
        (**self).target()
    }
}

impl IntoTarget for Target<'_> {
    fn target(&self) -> Result<Target<'_>> {
        Ok(match self {
            Target::OneHot(t) => Target::OneHot(CowArray::from(t.view())),
            Target::Labels(labels) => Target::Labels(Cow::Borrowed(labels)),
        })
    }
}

impl IntoTarget for usize {
    fn target(&self) -> Result<Target<'_>> {
        Ok(Target::Labels(Cow::Owned(vec![*self])))
    }
}

/// Class labels, one per row, borrowed: `[usize]`, `Vec<usize>`, `[usize; N]`.
macro_rules! labels_target {
    ($([$($generics:tt)*] $t:ty),*) => {$(
        impl<$($generics)*> IntoTarget for $t {
            fn target(&self) -> Result<Target<'_>> {
                Ok(Target::Labels(Cow::Borrowed(&self[..])))
            }
        }
    )*};
}
labels_target!([] [usize], [] Vec<usize>, [const N: usize] [usize; N]);

/// One-hot rows (or rows of probabilities), owned or a view: one axis is one sample, two a
/// batch, more an error.
impl<S: Data<Elem = f64>, D: Dimension> IntoTarget for ArrayBase<S, D> {
    fn target(&self) -> Result<Target<'_>> {
        Ok(Target::OneHot(
            as_rows(self.view(), "one-hot target")?.into(),
        ))
    }
}

/// Sees a vector as one row and a matrix as it is; anything else is an error naming `what`.
pub(crate) fn as_rows<'a, D: Dimension, A>(
    x: ArrayView<'a, A, D>,
    what: &str,
) -> Result<ArrayView2<'a, A>> {
    let shape = x.shape().to_vec();
    let x = x.into_dyn();
    let x = if x.ndim() == 1 {
        x.insert_axis(Axis(0))
    } else {
        x
    };
    x.into_dimensionality::<Ix2>().map_err(|_| {
        Error::Shape(format!(
            "{what} must be a vector or a matrix (one row per sample), not shape {shape:?}"
        ))
    })
}

/// The output `y` of a loss as rows (a vector is one row; at least one element, all finite)
/// and its target checked against it ([`Target::fit`]). Errors begin with `what`.
pub(crate) fn check<'y, 't>(
    y: &'y ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    t: &'t (impl IntoTarget + ?Sized),
    distributions: bool,
    what: &str,
) -> Result<(ArrayView2<'y, f64>, Target<'t>)> {
    let y2 = as_rows(y.view(), &format!("{what}: the output y"))?;
    if y2.is_empty() {
        let m = format!(
            "{what}: the output y has shape {:?}, with no element",
            y.shape()
        );
        return Err(Error::Empty(m));
    }
    finite(y2.view(), format_args!("{what}: the output y"))?;
    let t = t.target()?.fit(y.shape(), y2.dim(), distributions, what)?;
    Ok((y2, t))
}

/// Sum of squares error (4.2.1): `E = 1/2 sum_k (y_k - t_k)^2`, averaged over the rows of a batch.
///
/// With the book's example, `y = (0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0)` and the
/// answer 2, `E = 0.0975`; with the 0.6 on class 7 instead, `E = 0.5975`.
///
/// ```
/// use dlfs::prelude::*;
/// let y = array![0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
/// let t = array![0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
/// assert!((sum_squares_error(&y, &t)? - 0.0975).abs() < 1e-12);
/// assert!((sum_squares_error(&y, 2)? - 0.0975).abs() < 1e-12);   // the label 2, same loss
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn sum_squares_error(
    y: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    t: impl IntoTarget,
) -> Result<f64> {
    let (y, t) = check(y, &t, false, "sum_squares_error")?;
    let total = match &t {
        Target::OneHot(t) => (&y - t).mapv(|d| d * d).sum(),
        Target::Labels(labels) => (y.outer_iter().zip(labels.iter()))
            .map(|(row, &label)| {
                let d = row
                    .indexed_iter()
                    .map(|(k, &v)| if k == label { v - 1.0 } else { v });
                d.map(|d| d * d).sum::<f64>()
            })
            .sum(),
    };
    Ok(0.5 * total / y.nrows() as f64)
}

/// Cross-entropy error (4.2.2, 4.2.4): `E = -1/N sum_n sum_k t_nk log(y_nk + delta)`, `delta = 1e-7`.
///
/// With class labels only the output of the right class counts: `E = -1/N sum_n log(y_n,t_n + delta)`.
/// The book's example gives 0.510825457099338 (`-log 0.6`) for a right answer at 0.6, and
/// 2.302584092994546 (`-log 0.1`) for the answer at 0.1.
///
/// `y` must hold probabilities (apply [`softmax`](crate::activation::softmax) first): a value
/// outside [0, 1] is an error. The log is of `min(y + delta, 1)`, so that a sure and right
/// answer scores 0 rather than `-log(1 + 1e-7) = -1e-7`, and the loss is never negative.
///
/// The notes' batch version swaps the arrays while reshaping (`y_pred = y.reshape(...)`) and so
/// scores the target against itself: that is where their `-9.999999505838704e-08` comes from.
///
/// ```
/// use dlfs::prelude::*;
/// let y = array![0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
/// assert!((cross_entropy_error(&y, 2)? - 0.510825457099338).abs() < 1e-12);
/// let batch = array![[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
///                    [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]];
/// let mean = (0.510825457099338 + 2.302584092994546) / 2.0;
/// assert!((cross_entropy_error(&batch, &[2, 2])? - mean).abs() < 1e-12);
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn cross_entropy_error(
    y: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    t: impl IntoTarget,
) -> Result<f64> {
    let (y, t) = check(y, &t, true, "cross_entropy_error")?;
    if let Some((idx, v)) = y.indexed_iter().find(|(_, v)| !(0.0..=1.0).contains(*v)) {
        return Err(Error::InvalidArgument(format!(
            "cross_entropy_error: the output y has {v} at row {}, column {}, which is not a \
             probability in [0, 1]; apply softmax to the scores first",
            idx.0, idx.1
        )));
    }
    Ok(cross_entropy_unchecked(&y, &t))
}

/// `-ln(min(p + delta, 1))`, `delta = 1e-7`: the cross-entropy of one row whose output at the
/// answer is `p` (4.2.2), `+0.0` for a sure answer (never `-0.0`), NaN for a NaN `p` (a
/// broken net must not look like a perfect one). Every cross-entropy of the crate adds these.
pub fn neg_log(p: f64) -> f64 {
    let q = p + DELTA;
    if q >= 1.0 {
        0.0
    } else {
        -q.ln()
    }
}

/// The cross-entropy of checked inputs: no validation, for the network's inner loops.
pub(crate) fn cross_entropy_unchecked(y: &ArrayView2<f64>, t: &Target) -> f64 {
    let n = y.nrows() as f64;
    let total: f64 = match t {
        Target::OneHot(t) => y
            .iter()
            .zip(t.iter())
            .filter(|(_, &tk)| tk != 0.0)
            .map(|(&yk, &tk)| tk * neg_log(yk))
            .sum(),
        Target::Labels(labels) => labels
            .iter()
            .enumerate()
            .map(|(i, &label)| neg_log(y[[i, label]]))
            .sum(),
    };
    total / n
}
