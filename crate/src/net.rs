//! The networks of chapter 4: `SimpleNet` (4.4.2) and `TwoLayerNet` (4.5.1).

use ndarray::{Array1, Array2, ArrayBase, ArrayD, ArrayView2, Axis, Data, Dimension};
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;

use crate::activation::{sigmoid, softmax};
use crate::batch::rng;
use crate::error::{Error, Result};
use crate::gradient::numerical_gradient;
use crate::loss::{as_rows, check, cross_entropy_unchecked, IntoTarget, Target};

/// The seed of [`SimpleNet::new`]'s and [`TwoLayerNet::new`]'s weights when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// Checks that the input `x` has `cols` features per row, and sees it as rows.
fn input_rows<'a, S, D>(
    x: &'a ArrayBase<S, D>,
    cols: usize,
    what: &str,
) -> Result<ArrayView2<'a, f64>>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    let x2 = as_rows(x.view(), &format!("{what}: the input x"))?;
    if x2.ncols() != cols {
        return Err(Error::Shape(format!(
            "{what}: the input x has shape {:?}, but the network takes {cols} features per row",
            x.shape()
        )));
    }
    if x2.nrows() == 0 {
        return Err(Error::Empty(format!("{what}: the input x has no rows")));
    }
    if let Some((idx, v)) = x2.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite(format!(
            "{what}: the input x has {v} at row {}, column {}",
            idx.0, idx.1
        )));
    }
    Ok(x2)
}

/// The book's `simpleNet` (4.4.2): one 2x3 weight matrix, no bias, softmax output.
///
/// `predict(x) = x · W`, `loss(x, t) = cross_entropy_error(softmax(x · W), t)`, and
/// [`numerical_gradient`](SimpleNet::numerical_gradient) gives `∂L/∂W` by central differences.
///
/// ```
/// use dlfs::prelude::*;
/// let net = SimpleNet::from_weights(array![[0.47355232, 0.9977393, 0.84668094],
///                                          [0.85557411, 0.03563661, 0.69422093]])?;
/// let x = array![0.6, 0.9];
/// let p = net.predict(&x)?;                      // (1.05414809, 0.63071653, 1.1328074)
/// assert!((net.loss(&x, 2)? - 0.928068286).abs() < 1e-8);
/// let dw = net.numerical_gradient(&x, 2)?;       // the shape of W: 2x3
/// assert_eq!(dw.shape(), &[2, 3]);
/// # Ok::<(), dlfs::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleNet {
    /// The weights, input by output: 2x3 in the book.
    pub w: Array2<f64>,
}

impl SimpleNet {
    /// A 2x3 net with weights drawn from the standard normal distribution, seeded
    /// (the book's `np.random.randn(2, 3)`, made reproducible).
    pub fn new(seed: u64) -> Self {
        let w = Array2::random_using((2, 3), StandardNormal, &mut rng(seed));
        SimpleNet { w }
    }

    /// A net with the given weights (input by output), such as the book's printed ones.
    pub fn from_weights(w: Array2<f64>) -> Result<Self> {
        if w.is_empty() {
            return Err(Error::Empty(format!(
                "SimpleNet: the weight matrix has shape {:?}",
                w.shape()
            )));
        }
        if let Some((idx, v)) = w.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite(format!(
                "SimpleNet: W[{}, {}] = {v}",
                idx.0, idx.1
            )));
        }
        Ok(SimpleNet { w })
    }

    /// The scores `x · W`: a vector for one input, a matrix for a batch.
    pub fn predict<S, D>(&self, x: &ArrayBase<S, D>) -> Result<ArrayD<f64>>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let x2 = input_rows(x, self.w.nrows(), "SimpleNet::predict")?;
        let z = x2.dot(&self.w);
        Ok(if x.ndim() == 1 {
            z.index_axis_move(Axis(0), 0).into_dyn()
        } else {
            z.into_dyn()
        })
    }

    /// The loss `cross_entropy_error(softmax(x · W), t)` (4.4.2), with `t` one-hot or a label.
    pub fn loss<'t, S, D>(&self, x: &ArrayBase<S, D>, t: impl IntoTarget<'t>) -> Result<f64>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let x2 = input_rows(x, self.w.nrows(), "SimpleNet::loss")?;
        let y = softmax(&x2.dot(&self.w));
        let checked = check(&y, t, "SimpleNet::loss")?;
        Ok(cross_entropy_unchecked(&checked.y, &checked.t))
    }

    /// `∂L/∂W` by central differences, one weight at a time (4.4.2): the book's
    /// `numerical_gradient(lambda w: net.loss(x, t), net.W)`.
    pub fn numerical_gradient<'t, S, D>(
        &self,
        x: &ArrayBase<S, D>,
        t: impl IntoTarget<'t>,
    ) -> Result<Array2<f64>>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let x2 = input_rows(x, self.w.nrows(), "SimpleNet::numerical_gradient")?;
        let y = softmax(&x2.dot(&self.w));
        let target = check(&y, t, "SimpleNet::numerical_gradient")?.t;
        let mut w = self.w.clone();
        let loss_w =
            |w: &ArrayView2<f64>| cross_entropy_unchecked(&softmax(&x2.dot(w)).view(), &target);
        Ok(numerical_gradient(loss_w, &mut w))
    }
}

/// The parameters of [`TwoLayerNet`], and also its gradients (the book's `params` and `grads`
/// dictionaries, with fields for keys: `params['W1']` is `params.w1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// First-layer weights, (input_size, hidden_size).
    pub w1: Array2<f64>,
    /// First-layer biases, (hidden_size,).
    pub b1: Array1<f64>,
    /// Second-layer weights, (hidden_size, output_size).
    pub w2: Array2<f64>,
    /// Second-layer biases, (output_size,).
    pub b2: Array1<f64>,
}

impl Params {
    /// The four arrays with the book's names, in order: W1, b1, W2, b2.
    pub fn arrays(&self) -> [(&'static str, ndarray::ArrayViewD<'_, f64>); 4] {
        [
            ("W1", self.w1.view().into_dyn()),
            ("b1", self.b1.view().into_dyn()),
            ("W2", self.w2.view().into_dyn()),
            ("b2", self.b2.view().into_dyn()),
        ]
    }

    /// The number of parameters in all: 784*50 + 50 + 50*10 + 10 = 39,760 for the book's net.
    pub fn len(&self) -> usize {
        self.w1.len() + self.b1.len() + self.w2.len() + self.b2.len()
    }

    /// True when there are no parameters (never, for a net made by [`TwoLayerNet::new`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The book's two-layer network (4.5.1): affine, sigmoid, affine, softmax.
///
/// `y = softmax(sigmoid(x · W1 + b1) · W2 + b2)`; the weights start as `weight_init_std`
/// times standard normal numbers (seeded), the biases at zero.
///
/// ```
/// use dlfs::prelude::*;
/// let net = TwoLayerNet::new(784, 100, 10, 0.01)?;
/// assert_eq!(net.params.w1.shape(), &[784, 100]);
/// let x = Array2::<f64>::zeros((3, 784));
/// let y = net.predict(&x)?;                                  // (3, 10), rows sum to 1
/// assert!(y.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
/// # Ok::<(), dlfs::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TwoLayerNet {
    /// W1, b1, W2, b2.
    pub params: Params,
}

/// What the forward pass computes on the way, kept for backpropagation.
struct Forward {
    z1: Array2<f64>,
    y: Array2<f64>,
}

impl TwoLayerNet {
    /// `TwoLayerNet(input_size, hidden_size, output_size, weight_init_std)` with the weights
    /// drawn from [`DEFAULT_SEED`]; see [`with_seed`](TwoLayerNet::with_seed).
    pub fn new(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        weight_init_std: f64,
    ) -> Result<Self> {
        Self::with_seed(
            input_size,
            hidden_size,
            output_size,
            weight_init_std,
            DEFAULT_SEED,
        )
    }

    /// A net whose weights are `weight_init_std * N(0, 1)` from the given seed, biases zero.
    pub fn with_seed(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        weight_init_std: f64,
        seed: u64,
    ) -> Result<Self> {
        if input_size == 0 || hidden_size == 0 || output_size == 0 {
            return Err(Error::InvalidArgument(format!(
                "TwoLayerNet: sizes must be positive, got input {input_size}, hidden {hidden_size}, output {output_size}"
            )));
        }
        if !weight_init_std.is_finite() {
            return Err(Error::NonFinite(format!(
                "TwoLayerNet: weight_init_std = {weight_init_std}"
            )));
        }
        let mut rng = rng(seed);
        let w1 = Array2::random_using((input_size, hidden_size), StandardNormal, &mut rng)
            * weight_init_std;
        let w2 = Array2::random_using((hidden_size, output_size), StandardNormal, &mut rng)
            * weight_init_std;
        Ok(TwoLayerNet {
            params: Params {
                w1,
                b1: Array1::zeros(hidden_size),
                w2,
                b2: Array1::zeros(output_size),
            },
        })
    }

    /// Features per input row (784 for MNIST).
    pub fn input_size(&self) -> usize {
        self.params.w1.nrows()
    }

    /// Classes per output row (10 for MNIST).
    pub fn output_size(&self) -> usize {
        self.params.w2.ncols()
    }

    fn forward(&self, x: &ArrayView2<f64>) -> Forward {
        let p = &self.params;
        let a1 = x.dot(&p.w1) + &p.b1;
        let z1 = sigmoid(&a1);
        let a2 = z1.dot(&p.w2) + &p.b2;
        Forward {
            y: softmax(&a2),
            z1,
        }
    }

    /// The output probabilities `softmax(sigmoid(x · W1 + b1) · W2 + b2)`, one row per input row.
    pub fn predict<S, D>(&self, x: &ArrayBase<S, D>) -> Result<Array2<f64>>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let x2 = input_rows(x, self.input_size(), "TwoLayerNet::predict")?;
        Ok(self.forward(&x2).y)
    }

    /// The cross-entropy of the prediction against `t` (one-hot rows or labels), batch mean.
    pub fn loss<'t, S, D>(&self, x: &ArrayBase<S, D>, t: impl IntoTarget<'t>) -> Result<f64>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let y = self.predict(x)?;
        let checked = check(&y, t, "TwoLayerNet::loss")?;
        Ok(cross_entropy_unchecked(&checked.y, &checked.t))
    }

    /// The share of rows whose most probable class is the answer (4.5.1).
    ///
    /// The answer is the label, or the argmax of a one-hot row. (The notes compare with an
    /// undefined `t` after naming the answers `y`.)
    pub fn accuracy<'t, S, D>(&self, x: &ArrayBase<S, D>, t: impl IntoTarget<'t>) -> Result<f64>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let y = self.predict(x)?;
        let checked = check(&y, t, "TwoLayerNet::accuracy")?;
        let answers: Vec<usize> = match &checked.t {
            Target::Labels(labels) => labels.to_vec(),
            Target::OneHot(t) => t.outer_iter().map(|row| argmax(row.iter())).collect(),
        };
        let right = y
            .outer_iter()
            .zip(&answers)
            .filter(|(row, &answer)| argmax(row.iter()) == answer)
            .count();
        Ok(right as f64 / y.nrows() as f64)
    }

    /// Checks `x` and `t` once, for the gradients.
    fn checked<'x, 't, S, D>(
        &self,
        x: &'x ArrayBase<S, D>,
        t: impl IntoTarget<'t>,
        what: &str,
    ) -> Result<(ArrayView2<'x, f64>, Target<'t>)>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let x2 = input_rows(x, self.input_size(), what)?;
        let y = self.forward(&x2).y;
        let target = check(&y, t, what)?.t;
        Ok((x2, target))
    }

    /// The gradient of the loss for every parameter by central differences (4.5.1), computed
    /// the fast way: the same numbers as
    /// [`numerical_gradient_generic`](TwoLayerNet::numerical_gradient_generic) (to about 1e-12),
    /// in a small fraction of the time.
    ///
    /// Every parameter `p` still gets its own central difference
    /// `(L(p + h) - L(p - h)) / (2h)`, `h = 1e-4` ([`H`](crate::gradient::H)), of the same loss
    /// (the batch mean of `-ln(min(y + 1e-7, 1))` at the answer, or `sum_k t_k` times that for
    /// one-hot rows). What changes is that only what a perturbation touches is recomputed:
    ///
    /// - `W1[i, j]`: only hidden unit `j`, and only in the rows where `x[n, i] != 0` (most MNIST
    ///   pixels are 0), whose pre-activation moves by `±h x[n, i]`; its new sigmoid changes the
    ///   output scores by the rank-1 term `(z1'[n, j] - z1[n, j]) W2[j, :]`;
    /// - `b1[j]`: hidden unit `j` in every row, by `±h`;
    /// - `W2[j, k]`: the score `a2[n, k]` by `±h z1[n, j]`; `b2[k]`: `a2[n, k]` by `±h`.
    ///
    /// Rows that a perturbation does not touch have the same loss at `p + h` and `p - h`, so
    /// they cancel in the difference and are skipped; the softmax of a touched row is updated
    /// from its exponentials (`exp(a + u) = exp(a) (1 + expm1(u))`). The rows of `W1` are shared
    /// out among threads (rayon). On a batch of 100 MNIST images, `TwoLayerNet(784, 50, 10)`
    /// needs 79,520 loss evaluations the book's way (8.6-14.2 s in NumPy) and a few hundredths
    /// of a second here, which makes training with numerical gradients possible in class.
    pub fn numerical_gradient<'t, S, D>(
        &self,
        x: &ArrayBase<S, D>,
        t: impl IntoTarget<'t>,
    ) -> Result<Params>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let (x2, target) = self.checked(x, t, "TwoLayerNet::numerical_gradient")?;
        Ok(fast_numgrad::gradient(&self.params, &x2, &target))
    }

    /// The gradient of the loss for every parameter by central differences, the book's way
    /// (4.5.1): `numerical_gradient(loss_W, params[key])` for W1, b1, W2 and b2 in turn, with
    /// [`crate::gradient::numerical_gradient`]. Each of the `2 * params.len()` perturbations
    /// evaluates the whole loss `cross_entropy_error(predict(x), t)` again, so this is the
    /// slow reference that [`numerical_gradient`](TwoLayerNet::numerical_gradient) is
    /// tested against.
    pub fn numerical_gradient_generic<'t, S, D>(
        &self,
        x: &ArrayBase<S, D>,
        t: impl IntoTarget<'t>,
    ) -> Result<Params>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let (x2, target) = self.checked(x, t, "TwoLayerNet::numerical_gradient_generic")?;
        let mut net = self.clone();
        let loss = |net: &TwoLayerNet| cross_entropy_unchecked(&net.forward(&x2).y.view(), &target);
        // Each closure perturbs one array of a copy of the net and evaluates the whole loss.
        let mut w1 = net.params.w1.clone();
        let gw1 = numerical_gradient(
            |w| {
                net.params.w1.assign(w);
                loss(&net)
            },
            &mut w1,
        );
        net.params.w1 = w1;
        let mut b1 = net.params.b1.clone();
        let gb1 = numerical_gradient(
            |b| {
                net.params.b1.assign(b);
                loss(&net)
            },
            &mut b1,
        );
        net.params.b1 = b1;
        let mut w2 = net.params.w2.clone();
        let gw2 = numerical_gradient(
            |w| {
                net.params.w2.assign(w);
                loss(&net)
            },
            &mut w2,
        );
        net.params.w2 = w2;
        let mut b2 = net.params.b2.clone();
        let gb2 = numerical_gradient(
            |b| {
                net.params.b2.assign(b);
                loss(&net)
            },
            &mut b2,
        );
        Ok(Params {
            w1: gw1,
            b1: gb1,
            w2: gw2,
            b2: gb2,
        })
    }

    /// The same gradient by backpropagation (5.7; what the book's training code uses, since
    /// the numerical one is slow):
    ///
    /// `dy = (y - t) / N`, `dW2 = z1ᵀ · dy`, `db2 = sum_rows dy`,
    /// `da1 = (dy · W2ᵀ) ⊙ z1 ⊙ (1 - z1)`, `dW1 = xᵀ · da1`, `db1 = sum_rows da1`.
    pub fn gradient<'t, S, D>(&self, x: &ArrayBase<S, D>, t: impl IntoTarget<'t>) -> Result<Params>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let (x2, target) = self.checked(x, t, "TwoLayerNet::gradient")?;
        let Forward { z1, y } = self.forward(&x2);
        let n = x2.nrows() as f64;
        let mut dy = y;
        match &target {
            Target::OneHot(t) => dy -= t,
            Target::Labels(labels) => {
                for (i, &label) in labels.iter().enumerate() {
                    dy[[i, label]] -= 1.0;
                }
            }
        }
        dy /= n;
        let w2 = z1.t().dot(&dy);
        let b2 = dy.sum_axis(Axis(0));
        let da1 = dy.dot(&self.params.w2.t()) * &z1.mapv(|z| z * (1.0 - z));
        let w1 = x2.t().dot(&da1);
        let b1 = da1.sum_axis(Axis(0));
        Ok(Params { w1, b1, w2, b2 })
    }

    /// One step of gradient descent: `param <- param - lr * grad` for W1, b1, W2, b2 (4.5.2).
    pub fn update(&mut self, grads: &Params, lr: f64) {
        let p = &mut self.params;
        p.w1.scaled_add(-lr, &grads.w1);
        p.b1.scaled_add(-lr, &grads.b1);
        p.w2.scaled_add(-lr, &grads.w2);
        p.b2.scaled_add(-lr, &grads.b2);
    }
}

/// The index of the largest value (the first, on ties), as `np.argmax`.
pub fn argmax<'a>(values: impl IntoIterator<Item = &'a f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, &v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// The fast numerical gradient of [`TwoLayerNet`]: the same central differences as the book's
/// loop, recomputing only what each perturbed parameter changes (see
/// [`TwoLayerNet::numerical_gradient`]).
mod fast_numgrad {
    use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
    use rayon::prelude::*;

    use super::Params;
    use crate::gradient::H;
    use crate::loss::{Target, DELTA};

    /// Below this size of a score change, `expm1` is its Taylor polynomial (exact to rounding);
    /// above it a touched row is recomputed in full.
    const SMALL: f64 = 1e-2;

    /// The sigmoid of one value, the formula of [`crate::activation::sigmoid`].
    fn sig(v: f64) -> f64 {
        1.0 / (1.0 + (-v).exp())
    }

    /// `exp(u) - 1` for `|u| <= SMALL`: the Taylor series to `u^6` (the rest is below 2e-16 relative).
    fn expm1_small(u: f64) -> f64 {
        u * (1.0
            + u * (1.0 / 2.0
                + u * (1.0 / 6.0 + u * (1.0 / 24.0 + u * (1.0 / 120.0 + u * (1.0 / 720.0))))))
    }

    /// `-ln(min(y + delta, 1))`, the term of `cross_entropy_unchecked`.
    fn neg_log(p: f64) -> f64 {
        -((p + DELTA).min(1.0)).ln()
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
}
