//! The networks of chapter 4: `SimpleNet` (4.4.2) and `TwoLayerNet` (4.5.1).

use std::borrow::Cow;

use ndarray::{Array, Array1, Array2, ArrayBase, ArrayD, ArrayView2, Axis, Data, Dimension};
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;

use crate::activation::{sigmoid, softmax};
use crate::batch::rng;
use crate::error::{finite, Error, Result};
use crate::gradient::numerical_gradient;
use crate::loss::{as_rows, check, cross_entropy_unchecked, IntoTarget, Target};
use crate::memory;

/// The seed of [`SimpleNet::new`]'s and [`TwoLayerNet::new`]'s weights when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// The input `x` seen as rows (a vector is one row), checked: `cols` finite values per row, at
/// least one row. Errors begin with `what`.
fn input_rows<'a>(
    x: &'a ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    cols: usize,
    what: &str,
) -> Result<ArrayView2<'a, f64>> {
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
    finite(x2.view(), format_args!("{what}: the input x"))?;
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
        SimpleNet {
            w: Array2::random_using((2, 3), StandardNormal, &mut rng(seed)),
        }
    }

    /// A net with the given weights (input by output), such as the book's printed ones.
    pub fn from_weights(w: Array2<f64>) -> Result<Self> {
        if w.is_empty() {
            let m = format!("SimpleNet: the weight matrix has shape {:?}", w.shape());
            return Err(Error::Empty(m));
        }
        finite(w.view(), "SimpleNet: W")?;
        Ok(SimpleNet { w })
    }

    /// The scores `x · W`: a vector for one input, a matrix for a batch.
    pub fn predict(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    ) -> Result<ArrayD<f64>> {
        let z = input_rows(x, self.w.nrows(), "SimpleNet::predict")?.dot(&self.w);
        Ok(match x.ndim() {
            1 => z.index_axis_move(Axis(0), 0).into_dyn(),
            _ => z.into_dyn(),
        })
    }

    /// The loss `cross_entropy_error(softmax(x · W), t)` (4.4.2), with `t` one-hot or a label.
    pub fn loss(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<f64> {
        let y = softmax(&input_rows(x, self.w.nrows(), "SimpleNet::loss")?.dot(&self.w));
        let (y, t) = check(&y, &t, true, "SimpleNet::loss")?;
        Ok(cross_entropy_unchecked(&y, &t))
    }

    /// `∂L/∂W` by central differences, one weight at a time (4.4.2): the book's
    /// `numerical_gradient(lambda w: net.loss(x, t), net.W)`.
    pub fn numerical_gradient(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<Array2<f64>> {
        let what = "SimpleNet::numerical_gradient";
        let x2 = input_rows(x, self.w.nrows(), what)?;
        let y = softmax(&x2.dot(&self.w));
        let t = check(&y, &t, true, what)?.1;
        let loss_w = |w: &ArrayView2<f64>| cross_entropy_unchecked(&softmax(&x2.dot(w)).view(), &t);
        Ok(numerical_gradient(loss_w, &mut self.w.clone()))
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
        self.arrays().iter().map(|(_, a)| a.len()).sum()
    }

    /// True when there are no parameters (never, for a net made by [`TwoLayerNet::new`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first parameter that is NaN or infinite, with its name, if any.
    pub fn non_finite(&self) -> Option<(&'static str, f64)> {
        let mut all = self.arrays().into_iter();
        all.find_map(|(name, a)| Some((name, *a.iter().find(|v| !v.is_finite())?)))
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

impl TwoLayerNet {
    /// `TwoLayerNet(input_size, hidden_size, output_size, weight_init_std)` with the weights
    /// drawn from [`DEFAULT_SEED`]; see [`with_seed`](TwoLayerNet::with_seed).
    pub fn new(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        weight_init_std: f64,
    ) -> Result<Self> {
        let (i, h, o) = (input_size, hidden_size, output_size);
        Self::with_seed(i, h, o, weight_init_std, DEFAULT_SEED)
    }

    /// A net whose weights are `weight_init_std * N(0, 1)` from the given seed (`W1`, then
    /// `W2`, as [`randn`](crate::batch::randn) draws them from [`rng`]`(seed)`), biases zero.
    pub fn with_seed(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        weight_init_std: f64,
        seed: u64,
    ) -> Result<Self> {
        let (i, h, o) = (input_size, hidden_size, output_size);
        if i == 0 || h == 0 || o == 0 {
            return Err(Error::InvalidArgument(format!(
                "TwoLayerNet: sizes must be positive, got input {i}, hidden {h}, output {o}"
            )));
        }
        if !weight_init_std.is_finite() {
            let m = format!("TwoLayerNet: weight_init_std = {weight_init_std}");
            return Err(Error::NonFinite(m));
        }
        let values = [[i, h], [h, o], [1, h], [1, o]]
            .iter()
            .try_fold(0u64, |sum, sizes| sum.checked_add(memory::product(sizes)?));
        memory::check(values, || format!("TwoLayerNet({i}, {h}, {o})"))?;
        let mut rng = rng(seed);
        let w1 = Array2::random_using((i, h), StandardNormal, &mut rng) * weight_init_std;
        let w2 = Array2::random_using((h, o), StandardNormal, &mut rng) * weight_init_std;
        let (b1, b2) = (Array1::zeros(h), Array1::zeros(o));
        Ok(TwoLayerNet {
            params: Params { w1, b1, w2, b2 },
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

    /// The forward pass of checked rows: the hidden layer `z1 = sigmoid(x · W1 + b1)`, kept
    /// for backpropagation, and the output `y = softmax(z1 · W2 + b2)`.
    fn forward(&self, x: &ArrayView2<f64>) -> (Array2<f64>, Array2<f64>) {
        let p = &self.params;
        let z1 = sigmoid(&(x.dot(&p.w1) + &p.b1));
        let y = softmax(&(z1.dot(&p.w2) + &p.b2));
        (z1, y)
    }

    /// The output probabilities `softmax(sigmoid(x · W1 + b1) · W2 + b2)`, one row per input row.
    pub fn predict(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
    ) -> Result<Array2<f64>> {
        self.check_params("TwoLayerNet::predict")?;
        let x2 = input_rows(x, self.input_size(), "TwoLayerNet::predict")?;
        Ok(self.forward(&x2).1)
    }

    /// The cross-entropy of the prediction against `t` (one-hot rows or labels), batch mean.
    pub fn loss(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<f64> {
        let y = self.predict(x)?;
        let (y, t) = check(&y, &t, true, "TwoLayerNet::loss")?;
        Ok(cross_entropy_unchecked(&y, &t))
    }

    /// The share of rows whose most probable class is the answer (4.5.1).
    ///
    /// The answer is the label, or the argmax of a one-hot row. (The notes compare with an
    /// undefined `t` after naming the answers `y`.)
    pub fn accuracy(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<f64> {
        let y = self.predict(x)?;
        let t = check(&y, &t, true, "TwoLayerNet::accuracy")?.1;
        Ok(accuracy_of(&y, &t.classes()))
    }

    /// Checks `x` and `t` once, for a gradient (the book's or `dlfs_fast`'s): the parameters
    /// fit together, `x` is rows of `input_size` finite values, and `t` fits the output (one
    /// row of `output_size` per row of `x`, labels below it, one-hot rows that sum to 1).
    /// Computes no forward pass. Errors begin with `what`.
    pub fn checked<'x, 't>(
        &self,
        x: &'x ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: &'t impl IntoTarget,
        what: &str,
    ) -> Result<(ArrayView2<'x, f64>, Target<'t>)> {
        self.check_params(what)?;
        let x2 = input_rows(x, self.input_size(), what)?;
        // The output's shape is known without computing it: one row of `output_size` per row.
        let y_dim = (x2.nrows(), self.output_size());
        let t = t.target()?.fit(&[y_dim.0, y_dim.1], y_dim, true, what)?;
        Ok((x2, t))
    }

    /// The gradient of the loss for every parameter by central differences, the book's way
    /// (4.5.1): `numerical_gradient(loss_W, params[key])` for W1, b1, W2 and b2 in turn, with
    /// [`crate::gradient::numerical_gradient`]:
    ///
    /// `∂L/∂p ≈ (L(p + h) - L(p - h)) / (2h)`, `h = 1e-4`, for each parameter `p` in turn.
    ///
    /// Each of the `2 * params.len()` perturbations evaluates the whole loss
    /// `cross_entropy_error(predict(x), t)` again, which is why the book trains with
    /// backpropagation ([`gradient`](TwoLayerNet::gradient)). The same numbers, computed
    /// the fast way, are `dlfs_fast::numerical_gradient` (crates/fast).
    pub fn numerical_gradient(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<Params> {
        let (x2, t) = self.checked(x, &t, "TwoLayerNet::numerical_gradient")?;
        let loss_w = |net: &TwoLayerNet| cross_entropy_unchecked(&net.forward(&x2).1.view(), &t);
        let mut net = self.clone();
        Ok(Params {
            w1: numerical_gradient_of(&mut net, |p| &mut p.w1, &loss_w),
            b1: numerical_gradient_of(&mut net, |p| &mut p.b1, &loss_w),
            w2: numerical_gradient_of(&mut net, |p| &mut p.w2, &loss_w),
            b2: numerical_gradient_of(&mut net, |p| &mut p.b2, &loss_w),
        })
    }

    /// The same gradient by backpropagation (5.7; what the book's training code uses, since
    /// the numerical one is slow):
    ///
    /// `dy = (y - t) / N`, `dW2 = z1ᵀ · dy`, `db2 = sum_rows dy`,
    /// `da1 = (dy · W2ᵀ) ⊙ z1 ⊙ (1 - z1)`, `dW1 = xᵀ · da1`, `db1 = sum_rows da1`.
    pub fn gradient(
        &self,
        x: &ArrayBase<impl Data<Elem = f64>, impl Dimension>,
        t: impl IntoTarget,
    ) -> Result<Params> {
        let (x2, t) = self.checked(x, &t, "TwoLayerNet::gradient")?;
        let grads = self.backprop(&x2, &t);
        // O(parameters), not O(data): a broken net's NaN never passes for a gradient.
        match grads.non_finite() {
            Some((name, v)) => Err(Error::NonFinite(format!(
                "TwoLayerNet::gradient: the gradient of {name} holds {v}; are the parameters finite?"
            ))),
            None => Ok(grads),
        }
    }

    /// [`gradient`](TwoLayerNet::gradient) of checked inputs: what the book's loop
    /// ([`crate::train`]) calls once its data is checked.
    pub(crate) fn backprop(&self, x: &ArrayView2<f64>, t: &Target) -> Params {
        let (z1, mut dy) = self.forward(x);
        match t {
            Target::OneHot(t) => dy -= t,
            Target::Labels(labels) => {
                for (i, &label) in labels.iter().enumerate() {
                    dy[[i, label]] -= 1.0;
                }
            }
        }
        dy /= x.nrows() as f64;
        let w2 = z1.t().dot(&dy);
        let b2 = dy.sum_axis(Axis(0));
        let da1 = dy.dot(&self.params.w2.t()) * &z1.mapv(|z| z * (1.0 - z));
        let w1 = x.t().dot(&da1);
        let b1 = da1.sum_axis(Axis(0));
        Params { w1, b1, w2, b2 }
    }

    /// The loss of checked inputs with class labels (NaN if the net is broken).
    pub(crate) fn loss_of(&self, x: &ArrayView2<f64>, labels: &[usize]) -> f64 {
        let t = Target::Labels(Cow::Borrowed(labels));
        cross_entropy_unchecked(&self.forward(x).1.view(), &t)
    }

    /// The accuracy of checked inputs with class labels.
    pub(crate) fn accuracy_of(&self, x: &ArrayView2<f64>, labels: &[usize]) -> f64 {
        accuracy_of(&self.forward(x).1, labels)
    }

    /// One step of gradient descent: `param <- param - lr * grad` for W1, b1, W2, b2 (4.5.2).
    /// The gradients must have the shapes of the parameters (an error names the first that
    /// does not).
    pub fn update(&mut self, grads: &Params, lr: f64) -> Result<()> {
        for ((name, p), (_, g)) in self.params.arrays().into_iter().zip(grads.arrays()) {
            if p.shape() != g.shape() {
                return Err(Error::Shape(format!(
                    "TwoLayerNet::update: the gradient of {name} has shape {:?}, the parameter {:?}",
                    g.shape(),
                    p.shape()
                )));
            }
        }
        let p = &mut self.params;
        p.w1.scaled_add(-lr, &grads.w1);
        p.b1.scaled_add(-lr, &grads.b1);
        p.w2.scaled_add(-lr, &grads.w2);
        p.b2.scaled_add(-lr, &grads.b2);
        Ok(())
    }

    /// Checks that the parameters fit together (they are public fields, so a cell may have
    /// replaced one): W1 is (input, hidden), b1 (hidden), W2 (hidden, output), b2 (output).
    fn check_params(&self, what: &str) -> Result<()> {
        let p = &self.params;
        let (hidden, output) = (p.w1.ncols(), p.w2.ncols());
        if p.b1.len() == hidden && p.w2.nrows() == hidden && p.b2.len() == output {
            return Ok(());
        }
        let [w1, b1, w2, b2] = p.arrays().map(|(_, a)| a.shape().to_vec());
        Err(Error::Shape(format!(
            "{what}: the parameters do not fit together: W1 {w1:?}, b1 {b1:?}, W2 {w2:?}, b2 {b2:?} \
             (W1 is (input, hidden), b1 (hidden,), W2 (hidden, output), b2 (output,))"
        )))
    }
}

/// The book's `numerical_gradient(loss_W, params[key])` for the one array `param` picks out of
/// `net`: each perturbation is written into the net, whose whole loss `loss_w` is evaluated
/// again; the array is left as it was.
fn numerical_gradient_of<D: Dimension>(
    net: &mut TwoLayerNet,
    param: fn(&mut Params) -> &mut Array<f64, D>,
    loss_w: impl Fn(&TwoLayerNet) -> f64,
) -> Array<f64, D> {
    let mut values = param(&mut net.params).clone();
    let grad = numerical_gradient(
        |w| {
            param(&mut net.params).assign(w);
            loss_w(net)
        },
        &mut values,
    );
    *param(&mut net.params) = values;
    grad
}

/// The share of the rows of `y` whose [`argmax`] is the answer in `labels` (4.5.1).
fn accuracy_of(y: &Array2<f64>, labels: &[usize]) -> f64 {
    let right = y
        .outer_iter()
        .zip(labels)
        .filter(|(row, &answer)| argmax(row) == answer);
    right.count() as f64 / y.nrows() as f64
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
