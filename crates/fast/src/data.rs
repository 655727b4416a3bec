//! The data as the trainer holds it: images as sparse rows ([`SparseRows`]), labels as class
//! numbers, a training and a test set checked once ([`TrainingData`]).

use std::collections::HashMap;

use ndarray::{Array1, Array2, ArrayView2};

use super::kernels::{self, Weights};
use dlfs::error::{Error, Result};
use dlfs::mnist::{Mnist, RawMnist};
use dlfs::train::{check_set, checked_set};

/// Rows of features stored sparsely (compressed sparse rows): for each row, the columns whose
/// value is not 0, and those values. MNIST's 60,000 training images hold 47 million pixels,
/// 9.0 million of them not 0.
///
/// Stored compactly, because the trainer reads 100 random rows from memory at every step: a
/// column as a 16-bit number, and a value, when the rows hold at most 256 different non-zero
/// values (MNIST's pixels hold 255), as an 8-bit code into a table of those values: 3 bytes
/// per non-zero value (27 MB for MNIST's training set) instead of 12 for a 32-bit column and
/// an `f64`. Other rows keep their values as `f64`. Each row also knows where its two
/// ranges of columns begin, the trainer's two halves of the image (for MNIST's training
/// images, pixels 0-406 and 407-783, each with half of the 9.0 million non-zero pixels).
#[derive(Debug, Clone, Default)]
pub struct SparseRows {
    cols: usize,
    /// While the rows are read: row `r` is `indices[starts[r]..starts[r + 1]]`, with the
    /// values at the same places. Then empty: `cuts` says where the rows are.
    starts: Vec<usize>,
    /// Row `r` is `indices[cuts[r][0]..cuts[r][PARTS]]`; its part `k` (its columns in
    /// `parts[k]..parts[k + 1]`) is `cuts[r][k]..cuts[r][k + 1]`.
    cuts: Vec<[u32; PARTS + 1]>,
    indices: Vec<u16>,
    values: Values,
    /// The columns split in [`PARTS`] ranges, `parts[k]..parts[k + 1]`, holding about as many
    /// non-zero values each.
    parts: [usize; PARTS + 1],
}

/// How many ranges of columns a row's sums are split in (see [`SparseRows::parts`]): part of
/// the arithmetic, not of the machine. The order of every sum over a row's pixels is fixed by
/// it, whatever the number of threads (which the work is shared out among); another value
/// would move the last bits of every history.
pub(super) const PARTS: usize = 2;

/// The non-zero values of [`SparseRows`].
#[derive(Debug, Clone)]
enum Values {
    /// `levels[codes[k]]` is the k-th value.
    Coded {
        codes: Vec<u8>,
        levels: Box<[f64; 256]>,
    },
    /// Every value as it is.
    Exact(Vec<f64>),
}

impl Default for Values {
    fn default() -> Self {
        Values::Exact(Vec::new())
    }
}

/// Some of the non-zero values of a row of [`SparseRows`]: their columns in order, and the
/// values, in one of the two forms.
#[derive(Debug, Clone, Copy)]
pub(super) enum Segment<'a> {
    /// Values as codes into a table.
    Coded(&'a [u16], kernels::Coded<'a>),
    /// Values as they are.
    Exact(&'a [u16], &'a [f64]),
}

impl<'a> Segment<'a> {
    /// The columns (pixels), in order.
    pub(super) fn columns(&self) -> &'a [u16] {
        match *self {
            Segment::Coded(idx, _) | Segment::Exact(idx, _) => idx,
        }
    }

    /// Calls `f(column, value)` for each non-zero value, in order.
    #[inline]
    pub(super) fn for_each(&self, mut f: impl FnMut(usize, f64)) {
        match *self {
            Segment::Coded(idx, vals) => {
                for (k, &c) in idx.iter().enumerate() {
                    f(usize::from(c), vals.at(k));
                }
            }
            Segment::Exact(idx, vals) => {
                for (&c, &v) in idx.iter().zip(vals) {
                    f(usize::from(c), v);
                }
            }
        }
    }

    /// `g = segment · m` for a row-major matrix `m` of rows as long as `out`, whose first row
    /// is row `base` of the whole matrix (see [`kernels::row_sum`]), `finish`ed into `out`.
    pub(super) fn times(&self, m: &[f64], base: usize, out: &mut [f64], finish: kernels::Finish) {
        match *self {
            Segment::Coded(idx, vals) => kernels::row_sum(idx, vals, m, base, out, finish),
            Segment::Exact(idx, vals) => kernels::row_sum(idx, vals, m, base, out, finish),
        }
    }

    /// Values `a..b` of the segment.
    #[inline]
    fn slice(&self, a: usize, b: usize) -> Segment<'a> {
        match *self {
            Segment::Coded(idx, vals) => Segment::Coded(
                &idx[a..b],
                kernels::Coded {
                    codes: &vals.codes[a..b],
                    levels: vals.levels,
                },
            ),
            Segment::Exact(idx, vals) => Segment::Exact(&idx[a..b], &vals[a..b]),
        }
    }
}

/// One row of [`SparseRows`]: all its non-zero values, and where its [`PARTS`] begin.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row<'a> {
    all: Segment<'a>,
    /// Part `k` is values `cuts[k]..cuts[k + 1]` of `all`.
    cuts: [usize; PARTS + 1],
}

impl<'a> Row<'a> {
    /// All the row's non-zero values.
    pub(super) fn all(&self) -> Segment<'a> {
        self.all
    }

    /// The row's values in the columns of part `k` ([`SparseRows::parts`]).
    #[inline]
    pub(super) fn part(&self, k: usize) -> Segment<'a> {
        self.all.slice(self.cuts[k], self.cuts[k + 1])
    }
}

/// The most columns [`SparseRows`] holds (its columns are 16-bit numbers).
const MAX_COLUMNS: usize = 1 << 16;

impl SparseRows {
    /// The non-zero values of a dense matrix, row by row: stored as codes into a table when
    /// there are at most 256 different ones (in the order they come), else as they are. Every
    /// value must be finite. MNIST takes [`SparseRows::from_bytes`], from its bytes.
    pub fn from_dense(x: &ArrayView2<f64>, what: &str) -> Result<SparseRows> {
        check_columns(x.ncols(), what)?;
        for (r, row) in x.outer_iter().enumerate() {
            if let Some((c, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFinite(format!(
                    "{what} has {v} at row {r}, column {c}"
                )));
            }
        }
        // Any other values: codes in the order the values come, if there are at most 256.
        let mut codes: HashMap<u64, u8> = HashMap::new();
        let mut levels = Box::new([0.0; 256]);
        for &v in x.iter() {
            if v != 0.0 && !codes.contains_key(&v.to_bits()) {
                if codes.len() == 256 {
                    codes.clear();
                    break;
                }
                levels[codes.len()] = v;
                codes.insert(v.to_bits(), codes.len() as u8);
            }
        }
        let coded = !codes.is_empty();
        let mut rows = SparseRows::empty(x.ncols(), coded.then_some(levels));
        for row in x.outer_iter() {
            for (c, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    rows.indices.push(c as u16);
                    match &mut rows.values {
                        Values::Coded { codes: out, .. } => out.push(codes[&v.to_bits()]),
                        Values::Exact(out) => out.push(v),
                    }
                }
            }
            rows.starts.push(rows.indices.len());
        }
        rows.with_parts()
    }

    /// Rows of `cols` bytes (the pixels of IDX image files, for instance), each non-zero byte
    /// `b` standing for `b * (1 / 255)` when `normalize` (the book's `normalize=True`, computed
    /// as [`RawMnist::to_mnist`] does, to the last bit) or for `b`.
    pub fn from_bytes(bytes: &[u8], cols: usize, normalize: bool) -> Result<SparseRows> {
        if cols == 0 || bytes.len() % cols != 0 {
            return Err(Error::Shape(format!(
                "SparseRows::from_bytes: {} bytes do not make rows of {cols}",
                bytes.len()
            )));
        }
        check_columns(cols, "SparseRows::from_bytes")?;
        let mut rows = SparseRows::empty(cols, Some(byte_levels(normalize)));
        let Values::Coded { codes, .. } = &mut rows.values else {
            unreachable!("made with levels")
        };
        for row in bytes.chunks(cols) {
            for (c, &b) in row.iter().enumerate() {
                if b != 0 {
                    rows.indices.push(c as u16);
                    codes.push(b);
                }
            }
            rows.starts.push(rows.indices.len());
        }
        rows.with_parts()
    }

    /// Sets the [`PARTS`] ranges of columns so that each holds about as many of the non-zero
    /// values, and where each row's parts begin.
    fn with_parts(mut self) -> Result<SparseRows> {
        if self.nnz() > u32::MAX as usize {
            return Err(Error::Shape(format!(
                "sparse rows: {} non-zero values, more than the {} they can hold",
                self.nnz(),
                u32::MAX
            )));
        }
        let mut count = vec![0usize; self.cols + 1];
        for &c in &self.indices {
            count[usize::from(c) + 1] += 1;
        }
        for c in 0..self.cols {
            count[c + 1] += count[c];
        }
        let nnz = self.nnz();
        for k in 1..PARTS {
            let target = nnz * k / PARTS;
            let at = count.partition_point(|&n| n < target).min(self.cols);
            self.parts[k] = at.max(self.parts[k - 1]);
        }
        self.parts[PARTS] = self.cols;
        let parts = self.parts;
        let indices = &self.indices;
        self.cuts = self
            .starts
            .windows(2)
            .map(|w| {
                let row = &indices[w[0]..w[1]];
                let mut cuts = [w[0] as u32; PARTS + 1];
                for k in 1..=PARTS {
                    let end = row.partition_point(|&c| usize::from(c) < parts[k]);
                    cuts[k] = (w[0] + end) as u32;
                }
                cuts
            })
            .collect();
        self.starts = Vec::new();
        Ok(self)
    }

    /// The [`PARTS`] ranges of columns, `parts()[k]..parts()[k + 1]`: each sum over a row is
    /// computed part by part, and the parts added in order, so that the parts of `W1` can be
    /// updated and used by different threads.
    pub(super) fn parts(&self) -> [usize; PARTS + 1] {
        self.parts
    }

    fn empty(cols: usize, levels: Option<Box<[f64; 256]>>) -> SparseRows {
        SparseRows {
            cols,
            starts: vec![0],
            indices: Vec::new(),
            values: match levels {
                Some(levels) => Values::Coded {
                    codes: Vec::new(),
                    levels,
                },
                None => Values::Exact(Vec::new()),
            },
            parts: [0; PARTS + 1],
            cuts: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.cuts.len()
    }

    /// Number of columns (features per row).
    pub fn ncols(&self) -> usize {
        self.cols
    }

    /// True when the values are stored as codes into a table ([`SparseRows::levels`]).
    pub(super) fn is_coded(&self) -> bool {
        matches!(self.values, Values::Coded { .. })
    }

    /// The table of values, when the values are stored as codes.
    pub(super) fn levels(&self) -> Option<&[f64; 256]> {
        match &self.values {
            Values::Coded { levels, .. } => Some(levels),
            Values::Exact(_) => None,
        }
    }

    /// Number of stored (non-zero) values.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `r`: its non-zero columns and values.
    #[inline]
    pub(super) fn row(&self, r: usize) -> Row<'_> {
        let cuts = self.cuts[r];
        let range = cuts[0] as usize..cuts[PARTS] as usize;
        let idx = &self.indices[range.clone()];
        let all = match &self.values {
            Values::Coded { codes, levels } => Segment::Coded(
                idx,
                kernels::Coded {
                    codes: &codes[range],
                    levels,
                },
            ),
            Values::Exact(values) => Segment::Exact(idx, &values[range]),
        };
        Row {
            all,
            cuts: cuts.map(|c| c as usize - cuts[0] as usize),
        }
    }

    /// Asks the processor to bring part `k` of the rows `rows` into its caches (a hint; it
    /// changes no value), so that they are there when a later step reads them.
    pub(super) fn prefetch(&self, rows: &[usize], k: usize) {
        for &r in rows {
            let cuts = &self.cuts[r];
            let range = cuts[k] as usize..cuts[k + 1] as usize;
            prefetch(&self.indices[range.clone()]);
            match &self.values {
                Values::Coded { codes, .. } => prefetch(&codes[range]),
                Values::Exact(values) => prefetch(&values[range]),
            }
        }
    }

    /// All the rows as a dense matrix, zeros included (the book's `x_train`).
    pub fn to_dense(&self) -> Array2<f64> {
        self.dense_rows(&(0..self.nrows()).collect::<Vec<_>>())
    }

    /// The rows `rows` as a dense matrix (the book's `x_train[batch_mask]`).
    pub fn dense_rows(&self, rows: &[usize]) -> Array2<f64> {
        let mut x = Array2::zeros((rows.len(), self.cols));
        for (mut out, &r) in x.outer_iter_mut().zip(rows) {
            self.row(r).all().for_each(|c, v| out[c] = v);
        }
        x
    }
}

/// Asks the processor to bring the cache lines of `values` (64 bytes each) into its level-2
/// cache.
fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = std::mem::size_of_val(values);
        let start = values.as_ptr() as usize;
        let mut line = start & !63;
        while line < start + bytes {
            // SAFETY: a prefetch reads nothing and changes nothing, whatever the address.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
                _mm_prefetch::<_MM_HINT_T1>(line as *const i8);
            }
            line += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// Equal when they hold the same values at the same places, whatever the form of the values.
impl PartialEq for SparseRows {
    fn eq(&self, other: &SparseRows) -> bool {
        self.cols == other.cols
            && self.cuts == other.cuts
            && self.indices == other.indices
            && (0..self.nrows()).all(|r| {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                self.row(r).all().for_each(|_, v| a.push(v.to_bits()));
                other.row(r).all().for_each(|_, v| b.push(v.to_bits()));
                a == b
            })
    }
}

/// The value of byte `b` as a pixel: `b * (1 / 255)` when `normalize` (as
/// [`RawMnist::to_mnist`] computes it, to the last bit), else `b`.
fn byte_level(b: u8, normalize: bool) -> f64 {
    if normalize {
        f64::from(b) * (1.0 / 255.0)
    } else {
        f64::from(b)
    }
}

/// The values of the 256 bytes as pixels ([`byte_level`]).
fn byte_levels(normalize: bool) -> Box<[f64; 256]> {
    Box::new(std::array::from_fn(|b| byte_level(b as u8, normalize)))
}

/// Columns are stored as 16-bit numbers: at most 65,536 of them.
fn check_columns(cols: usize, what: &str) -> Result<()> {
    if cols > MAX_COLUMNS {
        return Err(Error::Shape(format!(
            "{what}: rows of {cols} values; sparse rows hold at most {MAX_COLUMNS} columns"
        )));
    }
    Ok(())
}

/// A training and a test set in the form the trainer uses: images as [`SparseRows`] of 784
/// pixels, labels as class numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData {
    /// Training images, one row of 784 values each.
    pub x_train: SparseRows,
    /// Training labels, 0-9.
    pub t_train: Vec<usize>,
    /// Test images.
    pub x_test: SparseRows,
    /// Test labels.
    pub t_test: Vec<usize>,
}

impl TrainingData {
    /// MNIST straight from its bytes, normalised to [0, 1]: the same values as
    /// `raw.to_mnist(true, true, _)` without the `f64` images in between.
    pub fn from_raw(raw: &RawMnist) -> Result<TrainingData> {
        let rows = |images: &Array2<u8>| {
            let images = images.as_standard_layout();
            let bytes = images.as_slice().expect("in standard layout");
            SparseRows::from_bytes(bytes, images.ncols(), true)
        };
        let labels = |t: &Array1<u8>| t.iter().map(|&l| usize::from(l)).collect();
        TrainingData::new(
            rows(&raw.train_images)?,
            labels(&raw.train_labels),
            rows(&raw.test_images)?,
            labels(&raw.test_labels),
        )
    }

    /// MNIST as [`dlfs::mnist::load_mnist`] gives it, checked as the book's loop checks it
    /// ([`checked_set`]): the pixels' values as they are, the labels as class numbers.
    pub fn from_mnist(data: &Mnist) -> Result<TrainingData> {
        let t_train = checked_set(&data.x_train, &data.t_train, "train")?;
        let t_test = checked_set(&data.x_test, &data.t_test, "test")?;
        TrainingData::new(
            SparseRows::from_dense(&data.x_train.view(), "x_train")?,
            t_train,
            SparseRows::from_dense(&data.x_test.view(), "x_test")?,
            t_test,
        )
    }

    /// Puts the parts together, checking that each set has rows of 784 values, as many labels
    /// as rows, and labels below 10.
    pub fn new(
        x_train: SparseRows,
        t_train: Vec<usize>,
        x_test: SparseRows,
        t_test: Vec<usize>,
    ) -> Result<TrainingData> {
        check_set(x_train.ncols(), x_train.nrows(), &t_train, "train")?;
        check_set(x_test.ncols(), x_test.nrows(), &t_test, "test")?;
        Ok(TrainingData {
            x_train,
            t_train,
            x_test,
            t_test,
        })
    }
}
