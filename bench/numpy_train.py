"""The NumPy baseline of the benchmark: the book's chapter-4 algorithm, written here in NumPy.

    python bench/numpy_train.py train   --data-dir DIR [--iters 10000 ...]
    python bench/numpy_train.py numgrad --data-dir DIR

`train` trains TwoLayerNet(784, 50, 10) with mini-batch SGD and backpropagation, with the
book's settings (4.5.2-4.5.3: 10000 iterations, batch 100, learning rate 0.1, accuracy on the
whole training and test sets every epoch) and prints the epoch lines and
`final: train_acc=... test_acc=... seconds=...` (seconds of the training loop, loading
excluded), as `dlfs train` does.

`numgrad` computes one numerical gradient of TwoLayerNet(784, 50, 10) on the first 100
training images the book's way (4.4, 4.5.1): every one of the 39,760 parameters in turn is
moved by +h and -h and the whole loss is evaluated again (79,520 evaluations), and prints
`numerical_gradient: seconds=...`.

Everything is float64, as in the Rust crate. MNIST is read from the four gzip IDX files in
DIR with gzip and NumPy only. The first line printed says which BLAS NumPy runs
(threadpoolctl).
"""

import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np

# --- data -------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file (gzip or raw) as a uint8 array of its dimensions."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an IDX file of unsigned bytes (header {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    sys.exit(f"{data_dir}: {name}(.gz) not found; run `dlfs download --data-dir {data_dir}`")


def load_mnist(data_dir):
    """The book's load_mnist(normalize=True, flatten=True, one_hot_label=True), in float64."""
    def images(name):
        x = read_idx(find(data_dir, name))
        return x.reshape(x.shape[0], -1).astype(np.float64) / 255.0

    def one_hot(name):
        labels = read_idx(find(data_dir, name))
        t = np.zeros((labels.size, 10))
        t[np.arange(labels.size), labels] = 1.0
        return t

    return ((images("train-images-idx3-ubyte"), one_hot("train-labels-idx1-ubyte")),
            (images("t10k-images-idx3-ubyte"), one_hot("t10k-labels-idx1-ubyte")))


# --- the network (3.2.4, 3.5.2, 4.2.2, 4.4, 4.5.1) -----------------------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n


def numerical_gradient(f, x):
    """Central differences, one element of x at a time (4.4)."""
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
        it.iternext()
    return grad


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        p = self.params
        z1 = sigmoid(np.dot(x, p["W1"]) + p["b1"])
        return softmax(np.dot(z1, p["W2"]) + p["b2"])

    def loss(self, x, t):
        return cross_entropy_error(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        loss_w = lambda w: self.loss(x, t)
        return {key: numerical_gradient(loss_w, self.params[key])
                for key in ("W1", "b1", "W2", "b2")}

    def gradient(self, x, t):
        """Backpropagation (5.7), what the book's training code of 4.5 calls."""
        p = self.params
        n = x.shape[0]
        a1 = np.dot(x, p["W1"]) + p["b1"]
        z1 = sigmoid(a1)
        y = softmax(np.dot(z1, p["W2"]) + p["b2"])
        dy = (y - t) / n
        da1 = np.dot(dy, p["W2"].T) * (1.0 - z1) * z1
        return {"W2": np.dot(z1.T, dy), "b2": np.sum(dy, axis=0),
                "W1": np.dot(x.T, da1), "b1": np.sum(da1, axis=0)}


# --- the two benchmarks -------------------------------------------------------------------

def blas_kernel():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
                     f"threads={i.get('num_threads')}" for i in threadpool_info()) or "none"


def train(args):
    (x_train, t_train), (x_test, t_test) = load_mnist(args.data_dir)
    np.random.seed(args.seed)
    network = TwoLayerNet(784, args.hidden, 10)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // args.batch, 1)
    last_epoch = args.iters // iter_per_epoch
    train_loss_list = []
    start = time.perf_counter()
    for i in range(args.iters):
        batch_mask = np.random.choice(train_size, args.batch)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= args.lr * grad[key]
        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)
        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            print(f"epoch {i // iter_per_epoch}/{last_epoch}  loss {loss:.3f}  "
                  f"train {train_acc:.4f}  test {test_acc:.4f}", flush=True)
    train_acc = network.accuracy(x_train, t_train)
    test_acc = network.accuracy(x_test, t_test)
    seconds = time.perf_counter() - start
    print(f"final: train_acc={train_acc:.4f} test_acc={test_acc:.4f} seconds={seconds:.2f}")


def numgrad(args):
    (x_train, t_train), _ = load_mnist(args.data_dir)
    np.random.seed(args.seed)
    network = TwoLayerNet(784, args.hidden, 10)
    x, t = x_train[:args.batch].copy(), t_train[:args.batch].copy()
    del x_train, t_train
    start = time.perf_counter()
    grads = network.numerical_gradient(x, t)
    seconds = time.perf_counter() - start
    evaluations = 2 * sum(g.size for g in grads.values())
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    print(f"numerical_gradient: seconds={seconds:.4f} evaluations={evaluations} "
          f"grad_norm={norm:.6f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["train", "numgrad"])
    parser.add_argument("--data-dir", default=os.environ.get("DLFS_DATA_DIR"), required=False)
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=None,
                        help="rows per mini-batch (train: 100) or of the gradient (numgrad: 100)")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not args.data_dir:
        parser.error("give --data-dir or set DLFS_DATA_DIR")
    if args.batch is None:
        args.batch = 100
    print(f"numpy {np.__version__}; BLAS: {blas_kernel()}", flush=True)
    train(args) if args.what == "train" else numgrad(args)


if __name__ == "__main__":
    main()
