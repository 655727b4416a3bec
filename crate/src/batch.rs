//! Mini-batches (4.2.3): one-hot targets, seeded random numbers as NumPy's `np.random` gives
//! them. Every generator comes from a seed ([`rng`]), so that a run draws the same numbers
//! each time.

use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;

use crate::error::{Error, Result};
use crate::memory;

/// A random number generator from a seed, so that every run draws the same numbers.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// One-hot encoding: row `i` is all zeros but a 1 in column `labels[i]` (3.6.1, 4.2.1).
///
/// `one_hot(&[2], 10)` is the book's `t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]` as a 1x10 row.
/// A label of `classes` or more is an error that names it.
///
/// ```
/// use dlfs::batch::one_hot;
/// let t = one_hot(&[2, 0], 3)?;
/// assert_eq!(t, ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn one_hot(labels: &[usize], classes: usize) -> Result<Array2<f64>> {
    let n = labels.len();
    memory::check(memory::product(&[n, classes]), || {
        format!("one_hot: {n} labels of {classes} classes")
    })?;
    let mut t = Array2::zeros((n, classes));
    for (i, &label) in labels.iter().enumerate() {
        if label >= classes {
            let last = classes.saturating_sub(1);
            let m =
                format!("label {label} at index {i} is not one of {classes} classes (0..={last})");
            return Err(Error::Label(m));
        }
        t[[i, label]] = 1.0;
    }
    Ok(t)
}

/// `size` row numbers drawn uniformly from `0..n`, with replacement: the book's
/// `np.random.choice(train_size, batch_size)` (4.2.3). Drawing from nothing (`n == 0`,
/// `size > 0`) is an error that names `n`.
pub fn random_choice<R: Rng>(rng: &mut R, n: usize, size: usize) -> Result<Vec<usize>> {
    if n == 0 && size > 0 {
        return Err(Error::InvalidArgument(format!(
            "random_choice: n is 0, so there is nothing to draw {size} numbers from (0..n is empty)"
        )));
    }
    Ok((0..size).map(|_| rng.random_range(0..n)).collect())
}

/// A `rows` x `cols` matrix of numbers drawn uniformly from [0, 1): NumPy's
/// `np.random.rand(rows, cols)` (the notes' dummy inputs in 4.5.1). A size that would not fit
/// in memory is an error naming it, before anything is allocated.
pub fn rand<R: Rng>(rng: &mut R, rows: usize, cols: usize) -> Result<Array2<f64>> {
    fits("rand", rows, cols)?;
    Ok(Array2::from_shape_simple_fn((rows, cols), || {
        rng.random::<f64>()
    }))
}

/// A `rows` x `cols` matrix of numbers drawn from the standard normal distribution N(0, 1):
/// NumPy's `np.random.randn(rows, cols)` (`TwoLayerNet.__init__`, 4.5.1), checked as [`rand`].
/// `TwoLayerNet::with_seed` draws `W1` and then `W2` this way from `rng(seed)`.
pub fn randn<R: Rng>(rng: &mut R, rows: usize, cols: usize) -> Result<Array2<f64>> {
    fits("randn", rows, cols)?;
    Ok(Array2::random_using((rows, cols), StandardNormal, rng))
}

/// `Ok` when a `rows` x `cols` matrix of `f64` fits in memory, else an error naming `call`.
fn fits(call: &str, rows: usize, cols: usize) -> Result<()> {
    memory::check(memory::product(&[rows, cols]), || {
        format!("{call}(rng, {rows}, {cols})")
    })
}
