//! The innermost loops of the fast trainer, compiled three times: for any x86-64 and, chosen at
//! run time, for AVX2 (four `f64` at a time) and AVX-512 (eight) ([`vector_versions`]). They
//! are plain arithmetic written so that the compiler can put it in vector registers: `e^x` without a library call ([`exp`]), the sigmoid of a
//! block of pre-activations ([`add_sigmoid`]) and a sum of rows of a matrix weighted by the
//! non-zero pixels of an image ([`row_sum`]). All versions give the same numbers, on every
//! machine: the sums run in order, with no fused multiply-add.

/// `e^x` by arithmetic alone, so that a loop of them runs in vector registers: `x = k ln 2 + r`
/// with `|r| <= ln 2 / 2` (Cody and Waite's two-part `ln 2`), `e^r` by its Taylor series to
/// `r^13` (the rest is below 1e-17 relative), times `2^k` built in the exponent bits.
/// Within 1 ulp or so of `f64::exp` (tested), the same on every machine. Above 709 it
/// gives `+inf` (the true value, at most 1.8e308, is of no use to a sigmoid), and below
/// -708 the value at -708 (about 3e-308, which `1 + e^x` cannot see).
#[inline(always)]
pub(super) fn exp(x: f64) -> f64 {
    // ln 2 = LN2_HI + LN2_LO, where LN2_HI has 32 significant bits, so k * LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-1
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: adding it rounds to an integer
    let xc = x.clamp(-708.0, 709.0);
    let kd = xc * std::f64::consts::LOG2_E + SHIFT;
    let k = kd - SHIFT;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for d in [
        479_001_600.0, // 12!
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
        1.0,
    ] {
        p = p * r + 1.0 / d;
    }
    // The low bits of kd hold k (two's complement): shifted into the exponent, 2^k.
    let scale = f64::from_bits(kd.to_bits().wrapping_add(1023) << 52);
    let y = p * scale;
    if x > 709.0 {
        f64::INFINITY
    } else if x.is_nan() {
        x
    } else {
        y
    }
}

#[inline(always)]
fn add_sigmoid_plain(out: &mut [f64], b: &[f64]) {
    for row in out.chunks_mut(b.len()) {
        for (o, &bk) in row.iter_mut().zip(b) {
            *o += bk;
        }
    }
    // One flat loop, so that the vectors run across the ends of rows.
    for o in out.iter_mut() {
        *o = 1.0 / (1.0 + exp(-*o));
    }
}

/// The widest vectors this processor has, found once (the standard library caches it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Level {
    /// Any x86-64 (SSE2), or another processor.
    Plain,
    /// AVX2: four `f64` at a time.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX-512: eight `f64` at a time.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

/// The [`Level`] of this processor.
pub(super) fn level() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Level::Avx2;
        }
    }
    Level::Plain
}

/// `pub fn name(args) = plain;` defines `name` as `plain` compiled three times, for any
/// processor, for AVX2 and for AVX-512, and calls the widest this processor runs. `plain` is
/// `#[inline(always)]` plain arithmetic; the three give the same numbers (no fused
/// multiply-add: each operation rounds as written).
macro_rules! vector_versions {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $plain:path;) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                $plain($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx2")]
            unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                $plain($($arg),*)
            }
            match $crate::kernels::level() {
                // SAFETY: the processor has the features, checked by `level`.
                #[cfg(target_arch = "x86_64")]
                $crate::kernels::Level::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                $crate::kernels::Level::Avx2 => unsafe { avx2($($arg),*) },
                $crate::kernels::Level::Plain => $plain($($arg),*),
            }
        }
    };
}
pub(super) use vector_versions;

vector_versions! {
    /// Each row of `out` (rows as long as `b`) becomes `sigmoid(row + b)`.
    pub(super) fn add_sigmoid(out: &mut [f64], b: &[f64]) = add_sigmoid_plain;
}

/// The weights of a sum of rows: the `k`-th is `at(k)`.
pub(super) trait Weights: Copy {
    /// How many.
    fn len(self) -> usize;
    /// The `k`-th weight.
    fn at(self, k: usize) -> f64;
}

impl Weights for &[f64] {
    #[inline(always)]
    fn len(self) -> usize {
        <[f64]>::len(self)
    }
    #[inline(always)]
    fn at(self, k: usize) -> f64 {
        self[k]
    }
}

/// Weights as 8-bit codes into a table of 256 values: the pixels of [`SparseRows`] (codes
/// `u8`), or the entries of a mini-batch's columns ([`Packed`]).
///
/// [`SparseRows`]: super::SparseRows
#[derive(Debug, Clone, Copy)]
pub(super) struct Coded<'a, C = u8> {
    /// One code per weight.
    pub(super) codes: &'a [C],
    /// The value of each code.
    pub(super) levels: &'a [f64; 256],
}

/// What holds a weight's 8-bit code.
pub(super) trait Code: Copy {
    /// The code.
    fn code(self) -> u8;
}

impl Code for u8 {
    #[inline(always)]
    fn code(self) -> u8 {
        self
    }
}

impl<C: Code> Weights for Coded<'_, C> {
    #[inline(always)]
    fn len(self) -> usize {
        self.codes.len()
    }
    #[inline(always)]
    fn at(self, k: usize) -> f64 {
        self.levels[usize::from(self.codes[k].code())]
    }
}

/// A (batch row, code) pair in 32 bits, `row << 8 | code`: an entry of a mini-batch's
/// columns; as a [`RowIndex`], its row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Packed(u32);

impl Packed {
    /// The most rows a packed entry can name.
    pub(super) const MAX_ROWS: usize = 1 << 24;

    /// Row `row` (below [`Packed::MAX_ROWS`]) with the code `code`.
    #[inline(always)]
    pub(super) fn new(row: usize, code: u8) -> Packed {
        debug_assert!(row < Self::MAX_ROWS);
        Packed((row as u32) << 8 | u32::from(code))
    }
}

impl RowIndex for Packed {
    #[inline(always)]
    fn get(self) -> usize {
        (self.0 >> 8) as usize
    }
}

impl Code for Packed {
    #[inline(always)]
    fn code(self) -> u8 {
        (self.0 & 0xff) as u8
    }
}

/// A row number of a sum of rows: 16 bits (pixels) or 32 (rows of a mini-batch).
pub(super) trait RowIndex: Copy {
    /// As an index.
    fn get(self) -> usize;
}

impl RowIndex for u16 {
    #[inline(always)]
    fn get(self) -> usize {
        usize::from(self)
    }
}

impl RowIndex for u32 {
    #[inline(always)]
    fn get(self) -> usize {
        self as usize
    }
}

/// What a kernel does with its sums `g`: `out = g`, `out += g` (the next part of a sum), or
/// `out += scale * g` (one row of a step of gradient descent, `W1 <- W1 + (-lr) dW1`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Finish {
    /// `out = g`.
    Store,
    /// `out += g`.
    Add,
    /// `out += scale * g`.
    AddScaled(f64),
}

impl Finish {
    #[inline(always)]
    fn apply(self, out: &mut [f64], g: &[f64]) {
        match self {
            Finish::Store => out.copy_from_slice(g),
            Finish::Add => {
                for (o, &g) in out.iter_mut().zip(g) {
                    *o += g;
                }
            }
            Finish::AddScaled(scale) => {
                for (o, &g) in out.iter_mut().zip(g) {
                    *o += scale * g;
                }
            }
        }
    }
}

/// The sums `g = sum_k val[k] * m[idx[k] * h + off..][..B]` for columns `off..off + B`, kept
/// in registers while the rows go by, then `finish`ed into `out[off..off + B]`.
#[inline(always)]
fn block<const B: usize>(
    idx: &[impl RowIndex],
    val: impl Weights,
    m: &[f64],
    base: usize,
    off: usize,
    out: &mut [f64],
    finish: Finish,
) {
    let h = out.len();
    let mut acc = [0.0f64; B];
    for (k, &r) in idx.iter().enumerate() {
        let v = val.at(k);
        let start = (r.get() - base) * h + off;
        let row: &[f64; B] = m[start..start + B].try_into().expect("B values");
        for k in 0..B {
            acc[k] += v * row[k];
        }
    }
    finish.apply(&mut out[off..off + B], &acc);
}

/// All the sums in one pass when there are `B + T` columns (50 = 48 + 2, the book's hidden
/// layer): `B` sums in vector registers and a tail of `T`, each row of `m` read once.
#[inline(always)]
fn fused<const B: usize, const T: usize>(
    idx: &[impl RowIndex],
    val: impl Weights,
    m: &[f64],
    base: usize,
    out: &mut [f64],
    finish: Finish,
) {
    let h = out.len();
    debug_assert_eq!(h, B + T);
    let mut acc = [0.0f64; B];
    let mut tail = [0.0f64; T];
    for (k, &r) in idx.iter().enumerate() {
        let v = val.at(k);
        let start = (r.get() - base) * h;
        let row: &[f64; B] = m[start..start + B].try_into().expect("B values");
        let rest: &[f64; T] = m[start + B..start + h].try_into().expect("T values");
        for k in 0..B {
            acc[k] += v * row[k];
        }
        for k in 0..T {
            tail[k] += v * rest[k];
        }
    }
    finish.apply(&mut out[..B], &acc);
    finish.apply(&mut out[B..], &tail);
}

/// All the columns, in blocks, each block one pass over the rows.
#[inline(always)]
fn row_sum_plain(
    idx: &[impl RowIndex],
    val: impl Weights,
    m: &[f64],
    base: usize,
    out: &mut [f64],
    finish: Finish,
) {
    assert_eq!(idx.len(), val.len(), "one weight per row");
    let h = out.len();
    if h == 50 {
        return fused::<48, 2>(idx, val, m, base, out, finish);
    }
    let mut off = 0;
    while off + 48 <= h {
        block::<48>(idx, val, m, base, off, out, finish);
        off += 48;
    }
    if off + 32 <= h {
        block::<32>(idx, val, m, base, off, out, finish);
        off += 32;
    }
    if off + 16 <= h {
        block::<16>(idx, val, m, base, off, out, finish);
        off += 16;
    }
    if off + 8 <= h {
        block::<8>(idx, val, m, base, off, out, finish);
        off += 8;
    }
    if off + 4 <= h {
        block::<4>(idx, val, m, base, off, out, finish);
        off += 4;
    }
    while off < h {
        block::<1>(idx, val, m, base, off, out, finish);
        off += 1;
    }
}

vector_versions! {
    /// `g = sum_k val[k] * m[idx[k] - base, :]` for a row-major matrix `m` of rows as long as
    /// `out` (rows `base..` of a larger one), then `out = g`, `out += g` or `out += scale * g`
    /// ([`Finish`]): one row of the sparse product `x · W1` (or a part of it), or of
    /// `xᵀ · da1` (one row of `dW1`, added to `W1` at once). Each sum runs over `k` in order.
    pub(super) fn row_sum(
        idx: &[impl RowIndex],
        val: impl Weights,
        m: &[f64],
        base: usize,
        out: &mut [f64],
        finish: Finish,
    ) = row_sum_plain;
}

#[cfg(test)]
mod tests {
    use super::{add_sigmoid, add_sigmoid_plain, exp, row_sum, row_sum_plain, Coded, Finish};
    use dlfs::batch::rng;
    use ndarray_rand::rand::Rng;

    #[test]
    fn every_version_of_the_kernels_gives_the_same_bits() {
        // The versions for AVX-512 and AVX2 (the one this processor runs) and for any
        // processor: the same numbers, to the last bit.
        let mut r = rng(9);
        let levels: [f64; 256] = std::array::from_fn(|i| i as f64 / 255.0);
        for h in [50, 24, 25, 26, 7, 100, 3] {
            let m: Vec<f64> = (0..100 * h).map(|_| r.random_range(-1.0..1.0)).collect();
            let idx: Vec<u16> = (0..100).filter(|_| r.random_bool(0.4)).collect();
            let codes: Vec<u8> = idx.iter().map(|_| r.random_range(1..=255)).collect();
            let values: Vec<f64> = codes.iter().map(|&c| levels[usize::from(c)]).collect();
            let start: Vec<f64> = (0..h).map(|_| r.random_range(-1.0..1.0)).collect();
            for finish in [Finish::Store, Finish::Add, Finish::AddScaled(-0.1)] {
                let mut a = start.clone();
                let coded = Coded {
                    codes: &codes,
                    levels: &levels,
                };
                row_sum(&idx, coded, &m, 0, &mut a, finish);
                let mut b = start.clone();
                row_sum_plain(&idx, &values[..], &m, 0, &mut b, finish);
                assert_eq!(a, b, "width {h}, {finish:?}");
            }
            let mut a: Vec<f64> = (0..5 * h).map(|_| r.random_range(-40.0..40.0)).collect();
            let mut b = a.clone();
            add_sigmoid(&mut a, &start);
            add_sigmoid_plain(&mut b, &start);
            assert_eq!(a, b, "sigmoid, width {h}");
        }
    }

    #[test]
    fn the_vector_exp_is_within_an_ulp_or_two_of_std() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x <= 709.0 {
            let (a, b) = (exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.001_234_567;
        }
        for x in [-1e-300, 0.0, 1e-20, 0.5, -0.5, 1.0, std::f64::consts::LN_2] {
            let (a, b) = (exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst < 4.5e-16, "largest relative error {worst:e}");
        assert_eq!(exp(709.5), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(-745.0) < 4e-308);
        assert_eq!(1.0 + exp(-1000.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY) + 1.0, 1.0);
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn the_sigmoid_of_the_kernels_is_the_activations() {
        let a: Vec<f64> = (0..200).map(|i| (i as f64 - 100.0) * 0.37).collect();
        let mut out = a.clone();
        add_sigmoid(&mut out, &[0.0; 10]);
        let reference = dlfs::activation::sigmoid(&ndarray::Array1::from(a));
        for (o, r) in out.iter().zip(reference.iter()) {
            assert!((o - r).abs() <= 4.5e-16 * r.abs().max(1e-300), "{o} vs {r}");
        }
        let mut big = vec![800.0, -800.0, f64::INFINITY, f64::NEG_INFINITY];
        add_sigmoid(&mut big, &[0.0; 4]);
        assert_eq!(big, [1.0, 0.0, 1.0, 0.0]);
    }
}
