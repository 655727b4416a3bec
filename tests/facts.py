"""Key values of the executed notebooks: a small table of facts keyed by CELL ID.

Each entry names a notebook, a cell id (stable: written once into
notebooks/src/*.md) and the numbers that cell's output must show. A number is
written as the notebook prints it and matches any number in the output that
rounds or truncates to it (to the digits written: "0.0975" matches 0.09750 and
0.097504, not 0.0976); ">=0.9" matches a number of at least 0.9; "NaN" matches NaN.
The sentences around the numbers are free to change: only numbers are compared.
Most values are also checked inside the notebooks themselves, by `assert!`.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

FACTS: dict[str, dict[str, list[str]]] = {
    "4.2-loss-functions": {
        "rs-863a6994": ["0.09750000000000002", "0.5975"],  # SSE: 0.6 at the right class (the book's
        # NumPy prints 0.097500000000000031: the same sum in another order), at index 7
        "rs-daf1fbc7": ["0.510825457099338", "2.302584092994546"],  # CEE, the same two
        "rs-batch-cee": ["1.406704775046942"],  # batch CEE of both rows
        "rs-c11dfe35": ["60000", "784"],  # x_train.shape: MNIST loaded
        "rs-a6a937ce": ["-9.999999505838704e-8"],  # the notes' bug reproduced
        "sol-4-2-1": ["0.005556", "0.105360", "0.450000", "2.302584"],  # p = 0.9, p = 0.1
        "sol-4-2-2": ["16.11809565095832"],  # -ln 1e-7
        "sol-4-2-3": ["24998", "1819", "8553", "18425", "3643"],  # the mask drawn with seed 7
        "sol-4-2-4": ["2.3025840929945462"],  # a uniform prediction: about ln 10
    },
    "4.3-numerical-differentiation": {
        "rs-e1b66ec1": ["0.1999999999990898", "0.2999999999986347"],  # numerical_diff at 5, 10
        "rs-283e994d": ["6.00000000000378", "7.999999999999119"],  # partial derivatives at (3, 4)
        "rs-notes-diff-run": ["-3749.1499804999003"],  # the notes' misplaced parenthesis
        "rs-69b6c006": ["4.2e-5", "9.0e-10"],  # sin at 1, h = 1e-4: the truncation errors
        # sin at 1: errors at 1e-4, ×10 and ×100 at 1e-3, the V's floors measured and in theory
        "rs-d1bf1329": ["4.2e-5", "9.0e-10", "10", "100", "2.5e-9", "3.2e-6", "1.5e-8", "6e-6",
                        "2.1e-8", "1.0e-5"],
        "sol-4-3-2": ["0.2002716"],  # f32: rounding wins at the book's h
        "sol-4-3-3": ["0.4000000000026205"],  # tangent slope at 15
        "sol-4-3-4": ["-4.000000000004"],  # 2 x0 at (-2, 1)
    },
    "4.4-gradient": {
        "rs-grad-3-points": ["6.0000", "8.0000", "4.0000"],  # (6, 8), (0, 4), (6, 0)
        "rs-4673fc1d": ["-2.58983747e13", "-1.29524862e12", "-2.99999994", "3.99999992"],  # lr 10, 1e-10
        "rs-df2cf821": ["1.05414809", "0.63071653", "1.13280740", "0.928068286"],  # SimpleNet
        "rs-91ff559b": ["0.21924757", "0.14356243", "-0.36281000"],  # SimpleNet dW, first row
        "rs-simplenet-delta": ["0.92806853"],  # the book's loss, without delta
        "rs-notes-gd-bug": ["-6.111e-10", "8.148e-10"],  # the notes' bug: init_x moved
        "rs-softmax-batch": ["0.9009", "0.0991"],  # softmax over the whole batch
        "rs-notes-nan": ["NaN"],  # one bug fixed of two
        "sol-4-4-1": ["-0.034588", "0.046117", "-3.000000", "4.000000"],  # lr 0.9 and 1
        "sol-4-4-2": ["8.00000000", "3.00000000"],  # (2 x0 + 3 x1, 3 x0) at (1, 2)
        "sol-4-4-3": ["-5.614e-4", "4.074e-10"],  # -7 * 0.91^100, 2 * 0.8^100
        "sol-4-4-4": ["0.21924763", "0.14356247", "-0.36281009", "1.4e-7"],  # dW by hand
        "sol-4-4-5": ["-2.99999994", "3.99999992"],  # the notes' gradient_descent, init_x made anew
        "sol-4-4-6": ["0.928068286"],  # both softmax bugs fixed: the loss of dlfs
    },
    "4.5-learning-algorithm": {
        "rs-9268fdb0": ["784", "100"],  # W1.shape
        "rs-fast-train": ["16"],  # 16 epochs of the book's 10000 iterations
        "rs-ee014d6c": [">=0.9", "0.9479", "0.9447", "0.9462", "0.9436"],  # final and last epoch
        "rs-5e70b706-loop": ["0.8797", "0.8830"],  # epoch 2 of the hand-written loop
        "rs-gradcheck-delta": ["1.1e-6"],  # W2's relative error without delta (with it: far smaller)
        "rs-notes-predict-softmax": ["0.01099"],  # the notes' softmax over the whole batch
        "rs-notes-loss-w": ["0", "24"],  # loss_W ignores W: 0 of 24 non-zero
        "sol-4-5-1": ["2.2916", "0.1135", "0.1163", "0.9304", "10000"],  # lr 0.01 (all 1s) and 1
        "sol-4-5-2": ["4.0552", "0.2491", "0.8886"],  # lr 10: the loss jumps, then falls
        "rs-acc-gap": ["-0.0069", "11", "17"],  # train - test accuracy: at most 0.0069 apart
        "rs-w1-edges": ["67"],  # pixels 0 in every training image: their weights untouched
        "sol-4-5-3": ["0.8966", "0.9164"],  # 10 and 50 hidden neurons
        "sol-4-5-4-noise": ["0.903", "0.203", "0.937", "0.016"],  # batch 10 and 1000: mean, noise
        "sol-4-5-5": ["0.7978", "0.7912"],  # seeds 42 and 7
        "sol-4-5-6": ["6.8193", "2.3074", "4.5119"],  # the notes' softmax: the loss before training
        "rs-untrained-guess": ["0.1022", "0.1010"],  # the untrained net says 3: the share of 3s
    },
}


# The cells that draw a figure, and how many each draws: a figure that goes from a
# source and its committed notebook together (as `bash scripts/notebooks.sh` would
# leave it) is still missed.
FIGURES: dict[str, dict[str, int]] = {
    "4.2-loss-functions": {"rs-a6d5a4a2": 1, "rs-d41b231b": 1, "sol-4-2-3-figure": 1},
    "4.3-numerical-differentiation": {"rs-h-figure": 1, "rs-4282d3a2": 1, "rs-5cb250fd": 1,
                                      "sol-4-3-1-figure": 1, "sol-4-3-3-figure": 1},
    "4.4-gradient": {"rs-42a2ed13": 1, "rs-41b20f88": 1, "rs-5e959d6f": 1, "sol-4-4-1-figure": 1,
                     "sol-4-4-3-figure": 1},
    "4.5-learning-algorithm": {"rs-fast-train": 1, "rs-efef7c7a": 1, "rs-256c9eeb": 1,
                               "rs-5f551bff": 1, "sol-4-5-1-figure": 1, "sol-4-5-3-figure": 1,
                               "sol-4-5-4-figure": 1},
}

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|nan|-?inf")


def numbers(text: str) -> list[float]:
    """Every number written in `text` (a vector's elements one by one)."""
    found = []
    for token in NUMBER.findall(text):
        try:
            found.append(float(token))
        except ValueError:
            pass
    return found


def matches(expected: str, value: float) -> bool:
    """`value` shows `expected`: rounds or truncates to it at its last written digit."""
    if expected == "NaN":
        return math.isnan(value)
    if math.isnan(value):
        return False
    if expected.startswith(">="):
        return value >= float(expected[2:])
    exact = Decimal(expected)
    digits = Decimal(1).scaleb(exact.as_tuple().exponent)
    if abs(value - float(exact)) > 2 * float(digits):  # far off (and no quantize to too many digits)
        return False
    shown = Decimal(repr(value))
    return any(shown.quantize(digits, rounding=r) == exact for r in (ROUND_HALF_EVEN, ROUND_DOWN))


def missing(expected: list[str], text: str) -> list[str]:
    """The expected values that no number in `text` shows."""
    found = numbers(text)
    return [e for e in expected if not any(matches(e, v) for v in found)]
