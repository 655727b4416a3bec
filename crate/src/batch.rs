//! Mini-batches (4.2.3): one-hot targets, a seeded random choice of rows.

use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

use crate::error::{Error, Result};
use crate::memory;

/// A random number generator from a seed, so that every run draws the same numbers.
///
/// ```
/// use dlfs::batch::rng;
/// use ndarray_rand::rand::Rng;
/// let (a, b): (f64, f64) = (rng(7).random(), rng(7).random());
/// assert_eq!(a, b);
/// ```
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
/// let t = one_hot(&[2, 0], 3).unwrap();
/// assert_eq!(t, ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// assert!(one_hot(&[12], 10).is_err());
/// ```
pub fn one_hot(labels: &[usize], classes: usize) -> Result<Array2<f64>> {
    memory::check(memory::product(&[labels.len(), classes]), || {
        format!("one_hot: {} labels of {classes} classes", labels.len())
    })?;
    let mut t = Array2::zeros((labels.len(), classes));
    for (i, &label) in labels.iter().enumerate() {
        if label >= classes {
            return Err(Error::Label(format!(
                "label {label} at index {i} is not one of {classes} classes (0..={})",
                classes.saturating_sub(1)
            )));
        }
        t[[i, label]] = 1.0;
    }
    Ok(t)
}

/// `size` row numbers drawn uniformly from `0..n`, with replacement, like the book's
/// `np.random.choice(train_size, batch_size)` (4.2.3). Drawing from nothing (`n == 0`, `size
/// > 0`) is an error that names `n`.
///
/// ```
/// use dlfs::batch::{random_choice, rng};
/// let idx = random_choice(&mut rng(0), 60000, 10)?;
/// assert_eq!(idx.len(), 10);
/// assert!(idx.iter().all(|&i| i < 60000));
/// assert_eq!(idx, random_choice(&mut rng(0), 60000, 10)?);
/// assert!(random_choice(&mut rng(0), 0, 10).is_err());
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn random_choice<R: Rng>(rng: &mut R, n: usize, size: usize) -> Result<Vec<usize>> {
    if n == 0 && size > 0 {
        return Err(Error::InvalidArgument(format!(
            "random_choice: n is 0, so there is nothing to draw {size} numbers from (0..n is empty)"
        )));
    }
    Ok((0..size).map(|_| rng.random_range(0..n)).collect())
}

/// A `rows` x `cols` matrix of numbers drawn uniformly from [0, 1), like NumPy's
/// `np.random.rand(rows, cols)` (the notes' dummy inputs in 4.5.1), from a seeded `rng`.
///
/// A size that would not fit in memory is an error naming it, before anything is allocated.
///
/// ```
/// use dlfs::batch::{rand, rng};
/// let x = rand(&mut rng(0), 100, 784)?;
/// assert_eq!(x.shape(), &[100, 784]);
/// assert!(x.iter().all(|&v| (0.0..1.0).contains(&v)));
/// assert_eq!(x, rand(&mut rng(0), 100, 784)?);
/// assert!(rand(&mut rng(0), usize::MAX, 2).is_err());
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn rand<R: Rng>(rng: &mut R, rows: usize, cols: usize) -> Result<Array2<f64>> {
    check_matrix("rand", rows, cols)?;
    Ok(Array2::from_shape_simple_fn((rows, cols), || {
        rng.random::<f64>()
    }))
}

/// `Ok` when a `rows` x `cols` matrix of `f64` fits in memory, else an error naming `call`.
fn check_matrix(call: &str, rows: usize, cols: usize) -> Result<()> {
    memory::check(memory::product(&[rows, cols]), || {
        format!("{call}(rng, {rows}, {cols})")
    })
}

/// A `rows` x `cols` matrix of numbers drawn from the standard normal distribution N(0, 1),
/// like NumPy's `np.random.randn(rows, cols)` (`TwoLayerNet.__init__`, 4.5.1), from a seeded
/// `rng`: `TwoLayerNet::with_seed` draws `W1` and then `W2` this way from `rng(seed)`.
///
/// A size that would not fit in memory is an error naming it, as for [`rand`].
///
/// ```
/// use dlfs::batch::{randn, rng};
/// let w = randn(&mut rng(0), 784, 50)?;
/// let mean = w.mean().unwrap();
/// assert!(mean.abs() < 0.01);
/// assert_eq!(w, randn(&mut rng(0), 784, 50)?);
/// assert!(randn(&mut rng(0), 1 << 40, 1 << 40).is_err());
/// # Ok::<(), dlfs::Error>(())
/// ```
pub fn randn<R: Rng>(rng: &mut R, rows: usize, cols: usize) -> Result<Array2<f64>> {
    use ndarray_rand::rand_distr::StandardNormal;
    use ndarray_rand::RandomExt;
    check_matrix("randn", rows, cols)?;
    Ok(Array2::random_using((rows, cols), StandardNormal, rng))
}
