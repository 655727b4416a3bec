//! The trainers (4.5.2-4.5.3), the book's loop (`dlfs::train`) and the fast one
//! (`dlfs::fast`): settings, history, determinism, learning on synthetic data, the two against
//! each other, and the book's result on the real MNIST when `DLFS_DATA_DIR` points at it.

use dlfs::batch::{random_choice, rng};
use dlfs::mnist::{Labels, Mnist, RawMnist};
use dlfs::net::TwoLayerNet;
use dlfs::train::{train_with, EpochRecord, GradientMethod, History, TrainSettings, Trained};
use dlfs_fast::{SparseRows, TrainingData};
use ndarray::{Array1, Array2, Ix2};
use ndarray_rand::rand::Rng;

/// A learnable stand-in for MNIST: 10 classes, each a fixed set of 60 "ink" pixels out of 784;
/// an image shows about 85% of its class's pixels at random intensities, plus 15 stray pixels.
fn synthetic(train: usize, test: usize, one_hot: bool, seed: u64) -> Mnist {
    let mut r = rng(seed);
    let prototypes: Vec<Vec<usize>> = (0..10)
        .map(|_| random_choice(&mut r, 784, 60).unwrap())
        .collect();
    let mut make = |n: usize| {
        let mut x = Array2::<f64>::zeros((n, 784));
        let labels = random_choice(&mut r, 10, n).unwrap();
        for (mut row, &l) in x.outer_iter_mut().zip(&labels) {
            for &p in &prototypes[l] {
                if r.random_bool(0.85) {
                    row[p] = r.random_range(0.3..1.0);
                }
            }
            for _ in 0..15 {
                row[r.random_range(0..784)] = r.random_range(0.0..1.0);
            }
        }
        let t = if one_hot {
            Labels::from(dlfs::batch::one_hot(&labels, 10).unwrap())
        } else {
            Labels::from(labels)
        };
        (x, t)
    };
    let (x_train, t_train) = make(train);
    let (x_test, t_test) = make(test);
    Mnist {
        x_train,
        t_train,
        x_test,
        t_test,
    }
}

/// The book's loop, without printing.
fn quiet(data: &Mnist, settings: &TrainSettings) -> dlfs::Result<Trained> {
    train_with(data, settings, |_, _| {})
}

/// The fast loop, without printing.
fn fast(data: &TrainingData, settings: &TrainSettings) -> dlfs::Result<Trained> {
    dlfs_fast::train_with(data, settings, |_, _| {}, |_, _| {})
}

/// `data` in the fast trainer's form, through the general constructors (the synthetic images
/// are not bytes; MNIST takes `TrainingData::from_raw`).
fn prepared(data: &Mnist) -> TrainingData {
    let rows = |x: &Array2<f64>| SparseRows::from_dense(&x.view(), "x").unwrap();
    let classes = |t: &Labels| t.classes();
    TrainingData::new(
        rows(&data.x_train),
        classes(&data.t_train),
        rows(&data.x_test),
        classes(&data.t_test),
    )
    .unwrap()
}

fn small(iters: usize) -> TrainSettings {
    TrainSettings {
        iters_num: iters,
        batch_size: 50,
        learning_rate: 0.5,
        hidden_size: 20,
        seed: 3,
        gradient: GradientMethod::Backprop,
    }
}

#[test]
fn defaults_are_the_books() {
    let s = TrainSettings::default();
    assert_eq!(
        (
            s.iters_num,
            s.batch_size,
            s.learning_rate,
            s.hidden_size,
            s.gradient
        ),
        (10_000, 100, 0.1, 50, GradientMethod::Backprop)
    );
    assert_eq!(s.iter_per_epoch(60_000), 600);
    assert_eq!(s.iter_per_epoch(50), 1);
}

#[test]
fn bad_settings_are_refused_with_the_value() {
    let data = synthetic(200, 50, false, 1);
    let cases: Vec<(TrainSettings, &str)> = vec![
        (
            TrainSettings {
                batch_size: 0,
                ..small(10)
            },
            "batch_size is 0",
        ),
        (
            TrainSettings {
                iters_num: 0,
                ..small(10)
            },
            "iters_num is 0",
        ),
        (
            TrainSettings {
                hidden_size: 0,
                ..small(10)
            },
            "hidden_size is 0",
        ),
        (
            TrainSettings {
                learning_rate: 0.0,
                ..small(10)
            },
            "learning_rate is 0",
        ),
        (
            TrainSettings {
                learning_rate: -0.1,
                ..small(10)
            },
            "learning_rate is -0.1",
        ),
        (
            TrainSettings {
                learning_rate: f64::NAN,
                ..small(10)
            },
            "learning_rate is NaN",
        ),
        (
            TrainSettings {
                learning_rate: f64::INFINITY,
                ..small(10)
            },
            "learning_rate is inf",
        ),
    ];
    let prepared = prepared(&data);
    for (settings, expected) in cases {
        let e = quiet(&data, &settings).unwrap_err().to_string();
        assert!(e.contains(expected), "{settings:?}: {e}");
        let e = fast(&prepared, &settings).unwrap_err().to_string();
        assert!(e.contains(expected), "fast, {settings:?}: {e}");
    }
}

#[test]
fn bad_data_is_refused_with_what_is_wrong() {
    let good = synthetic(200, 50, false, 1);
    let settings = small(5);

    let mut data = good.clone();
    data.x_test = Array2::<f64>::zeros((50, 783));
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("x_test") && e.contains("783"), "{e}");

    let mut data = good.clone();
    data.t_train = Labels::from(vec![1usize; 199]);
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("200 train images but 199 train labels"), "{e}");

    let mut data = good.clone();
    data.t_test = Labels::from(vec![10usize; 50]);
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("label 10"), "{e}");

    let mut data = good.clone();
    let mut soft = Array2::<f64>::zeros((200, 10));
    soft.column_mut(0).fill(0.5);
    soft.column_mut(1).fill(0.5);
    data.t_train = Labels::from(soft);
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("not one-hot"), "{e}");

    let mut data = good.clone();
    data.x_train.as_slice_mut().unwrap()[784 * 3 + 5] = f64::NAN;
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("NaN") && e.contains("row 3, column 5"), "{e}");

    let mut data = good.clone();
    data.x_test = Array2::<f64>::zeros((0, 784));
    data.t_test = Labels::from(Vec::<usize>::new());
    let e = quiet(&data, &settings).unwrap_err().to_string();
    assert!(e.contains("test set has no images"), "{e}");

    // The fast trainer's data checks the same things.
    let p = prepared(&good);
    let rows = |n: usize, cols: usize| {
        SparseRows::from_dense(&Array2::<f64>::zeros((n, cols)).view(), "x").unwrap()
    };
    let cases = [
        (
            TrainingData::new(
                p.x_train.clone(),
                vec![1; 199],
                p.x_test.clone(),
                p.t_test.clone(),
            ),
            "200 train images but 199 train labels",
        ),
        (
            TrainingData::new(
                p.x_train.clone(),
                p.t_train.clone(),
                p.x_test.clone(),
                vec![10; 50],
            ),
            "label 10",
        ),
        (
            TrainingData::new(
                p.x_train.clone(),
                p.t_train.clone(),
                rows(50, 783),
                p.t_test.clone(),
            ),
            "783",
        ),
        (
            TrainingData::new(p.x_train.clone(), p.t_train.clone(), rows(0, 784), vec![]),
            "test set has no images",
        ),
    ];
    for (result, expected) in cases {
        let e = result.unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
}

/// Checks the shape of a history of `small(100)` on 1000 rows (20 iterations per epoch) and
/// that `on_epoch` saw every record in order; `seen` is what it saw.
fn check_shape(h: &History, seen: &[(EpochRecord, usize)]) {
    assert_eq!(h.iter_per_epoch, 20);
    assert_eq!(h.train_loss.len(), 100);
    assert_eq!(h.epochs.len(), 100 / 20 + 1);
    for (k, rec) in h.epochs.iter().enumerate() {
        assert_eq!((rec.epoch, rec.iteration), (k, k * 20));
        if k > 0 {
            // The loss of the mini-batch of the update that ends the epoch.
            assert_eq!(rec.loss, h.train_loss[k * 20 - 1]);
        }
        assert!((0.0..=1.0).contains(&rec.train_acc) && (0.0..=1.0).contains(&rec.test_acc));
    }
    // Before any update the net guesses (about 1 in 10); the first loss is about ln 10.
    assert!(h.epochs[0].test_acc < 0.3, "{:?}", h.epochs[0]);
    assert!(
        (h.epochs[0].loss - 10f64.ln()).abs() < 0.05,
        "{:?}",
        h.epochs[0]
    );
    assert!(h.seconds > 0.0);
    // The last record was taken after the last update: its accuracies are the final ones.
    assert_eq!(
        (h.final_train_acc, h.final_test_acc),
        (h.epochs[5].train_acc, h.epochs[5].test_acc)
    );
    // The callback saw every record, in order, with the number of the last epoch.
    assert_eq!(seen.len(), h.epochs.len());
    assert!(seen
        .iter()
        .zip(&h.epochs)
        .all(|((a, last), b)| a == b && *last == 5));
}

#[test]
fn history_has_the_books_shape() {
    // 1000 rows / batch 50: 20 iterations per epoch; 100 iterations = 5 epochs + the record at 0.
    let data = synthetic(1000, 200, false, 2);
    let prepared = prepared(&data);
    let mut seen: Vec<(EpochRecord, usize)> = Vec::new();
    let book = train_with(&data, &small(100), |r, last| seen.push((r.clone(), last))).unwrap();
    check_shape(&book.history, &seen);
    let mut seen: Vec<(EpochRecord, usize)> = Vec::new();
    let trained = dlfs_fast::train_with(
        &prepared,
        &small(100),
        |r, last| seen.push((r.clone(), last)),
        |_, _| {},
    )
    .unwrap();
    let h = &trained.history;
    check_shape(h, &seen);
    // The accuracies of the record are those of the net at that point: the last is the final net.
    assert_eq!(
        prepared.accuracies(&trained.net).unwrap(),
        (h.final_train_acc, h.final_test_acc)
    );
    let wrong = TwoLayerNet::with_seed(783, 5, 10, 0.01, 1).unwrap();
    let e = prepared.accuracies(&wrong).unwrap_err().to_string();
    assert!(e.contains("783 inputs"), "{e}");

    // Not divisible: 110 iterations give records at 0, 20, ..., 100 and no record at 110; the
    // final accuracies are measured after the last update.
    let trained = fast(&prepared, &small(110)).unwrap();
    let h = &trained.history;
    assert_eq!(h.epochs.len(), 110 / 20 + 1);
    assert_eq!(h.epochs.last().unwrap().iteration, 100);
    assert_eq!(
        (h.final_train_acc, h.final_test_acc),
        prepared.accuracies(&trained.net).unwrap()
    );
    let book = quiet(&data, &small(110)).unwrap();
    let x_train = data.x_train.view().into_dimensionality::<Ix2>().unwrap();
    let t_train = data.t_train.classes();
    assert_eq!(
        book.history.final_train_acc,
        book.net.accuracy(&x_train, &t_train).unwrap()
    );

    // A batch larger than the training set: one iteration per epoch.
    let s = TrainSettings {
        batch_size: 5000,
        iters_num: 3,
        ..small(3)
    };
    for h in [
        quiet(&data, &s).unwrap().history,
        fast(&prepared, &s).unwrap().history,
    ] {
        assert_eq!(h.iter_per_epoch, 1);
        assert_eq!(h.epochs.len(), 4);
    }
}

#[test]
fn learns_the_synthetic_digits() {
    let data = synthetic(3000, 1000, true, 4);
    for (what, trained) in [
        ("book", quiet(&data, &small(600)).unwrap()),
        ("fast", fast(&prepared(&data), &small(600)).unwrap()),
    ] {
        let h = &trained.history;
        let last = h.epochs.last().unwrap();
        assert!(last.test_acc > 0.95, "{what}: {last:?}");
        assert!(last.train_acc > 0.95, "{what}: {last:?}");
        let first: f64 = h.train_loss[..20].iter().sum::<f64>() / 20.0;
        let end: f64 = h.train_loss[580..].iter().sum::<f64>() / 20.0;
        assert!(end < 0.3 * first, "{what}: loss {first} -> {end}");
    }
}

#[test]
fn the_same_seed_gives_the_same_history_bit_for_bit() {
    let data = synthetic(1000, 200, false, 5);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    // The book's loop.
    let a = quiet(&data, &small(120)).unwrap();
    let b = quiet(&data, &small(120)).unwrap();
    assert_eq!(bits(&a.history.train_loss), bits(&b.history.train_loss));
    assert_eq!(a.history.epochs, b.history.epochs);
    assert_eq!(a.net, b.net);
    // The fast loop.
    let data = prepared(&data);
    let a = fast(&data, &small(120)).unwrap();
    let b = fast(&data, &small(120)).unwrap();
    assert_eq!(bits(&a.history.train_loss), bits(&b.history.train_loss));
    assert_eq!(a.history.epochs, b.history.epochs);
    assert_eq!(a.net, b.net);
    let c = fast(
        &data,
        &TrainSettings {
            seed: 4,
            ..small(120)
        },
    )
    .unwrap();
    assert_ne!(bits(&a.history.train_loss), bits(&c.history.train_loss));
    // Also on one to four threads: the step's tasks (as many as threads) split the work,
    // never a sum.
    for threads in [1, 2, 3, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let d = pool.install(|| fast(&data, &small(120)).unwrap());
        assert_eq!(
            bits(&a.history.train_loss),
            bits(&d.history.train_loss),
            "{threads} threads"
        );
        assert_eq!(a.history.epochs, d.history.epochs, "{threads} threads");
        assert_eq!(a.net, d.net, "{threads} threads");
    }
}

#[test]
fn one_hot_and_class_labels_train_alike() {
    let classes = synthetic(600, 100, false, 6);
    let mut one_hot = classes.clone();
    for t in [&mut one_hot.t_train, &mut one_hot.t_test] {
        if let Labels::Labels(c) = t {
            *t = Labels::from(dlfs::batch::one_hot(&c[..], 10).unwrap());
        }
    }
    let a = quiet(&classes, &small(30)).unwrap();
    let b = quiet(&one_hot, &small(30)).unwrap();
    assert_eq!(a.history.train_loss, b.history.train_loss);
    assert_eq!(a.history.epochs, b.history.epochs);
    let a = fast(&prepared(&classes), &small(30)).unwrap();
    let b = fast(&prepared(&one_hot), &small(30)).unwrap();
    assert_eq!(a.history.train_loss, b.history.train_loss);
    assert_eq!(a.history.epochs, b.history.epochs);
}

#[test]
fn numerical_gradient_training_follows_backprop() {
    let data = synthetic(500, 100, false, 9);
    let prepared = prepared(&data);
    let s = TrainSettings {
        iters_num: 15,
        batch_size: 20,
        hidden_size: 10,
        ..small(15)
    };
    let bp = fast(&prepared, &s).unwrap();
    let num_s = TrainSettings {
        gradient: GradientMethod::Numerical,
        ..s
    };
    let mut calls = 0;
    let num = dlfs_fast::train_with(
        &prepared,
        &num_s,
        |_, _| {},
        |i, _| {
            calls += 1;
            assert_eq!(i, calls);
        },
    )
    .unwrap();
    assert_eq!(calls, 15);
    // The numerical gradient differs from backprop by about 1e-6 relative (the 1e-7 in the log).
    for (a, b) in bp.history.train_loss.iter().zip(&num.history.train_loss) {
        assert!((a - b).abs() < 1e-5 * a, "{a} vs {b}");
    }
    assert!(bp.history.train_loss[14] < bp.history.train_loss[0]);
}

#[test]
fn sparse_rows_from_bytes_normalise_like_the_book() {
    let bytes = [0u8, 255, 0, 51, 0, 0];
    let rows = SparseRows::from_bytes(&bytes, 3, true).unwrap();
    assert_eq!((rows.nrows(), rows.ncols(), rows.nnz()), (2, 3, 2));
    assert_eq!(
        rows.dense_rows(&[1, 0]),
        ndarray::array![[51.0 / 255.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    );
    let raw = SparseRows::from_bytes(&bytes, 3, false).unwrap();
    assert_eq!(raw.dense_rows(&[0]), ndarray::array![[0.0, 255.0, 0.0]]);
    assert!(SparseRows::from_bytes(&bytes, 4, true).is_err());
}

#[test]
fn sparse_rows_hold_any_values_and_compare_by_value() {
    // MNIST's pixels take 255 values, kept as 8-bit codes; rows with more distinct values
    // keep them as they are. Either way the rows give back exactly what they were made from.
    let mut r = rng(12);
    let many = Array2::from_shape_fn((40, 30), |_| {
        if r.random_bool(0.3) {
            r.random_range(-1.0..1.0)
        } else {
            0.0
        }
    });
    let few = many.mapv(|v: f64| (v * 4.0).round() / 4.0);
    for x in [&many, &few] {
        let rows = SparseRows::from_dense(&x.view(), "x").unwrap();
        assert_eq!(rows.to_dense(), *x);
        assert_eq!(rows.nnz(), x.iter().filter(|&&v| v != 0.0).count());
        assert_eq!(rows.dense_rows(&[3, 0, 3]).row(2), x.row(3));
    }
    // The same values from bytes and from f64: equal, however they are stored.
    let bytes: Vec<u8> = (0..600).map(|i| ((i * 37) % 7 * 40) as u8).collect();
    let from_bytes = SparseRows::from_bytes(&bytes, 20, false).unwrap();
    let dense = Array2::from_shape_fn((30, 20), |(i, j)| f64::from(bytes[i * 20 + j]));
    assert_eq!(
        from_bytes,
        SparseRows::from_dense(&dense.view(), "x").unwrap()
    );
    let mut other = dense.clone();
    other[[5, 5]] += 1.0;
    assert_ne!(
        from_bytes,
        SparseRows::from_dense(&other.view(), "x").unwrap()
    );
    // Columns are 16-bit numbers.
    let wide = Array2::<f64>::zeros((1, 65_537));
    let err = SparseRows::from_dense(&wide.view(), "wide")
        .unwrap_err()
        .to_string();
    assert!(err.contains("65537") && err.contains("65536"), "{err}");
}

#[test]
fn raw_bytes_give_the_same_data_as_the_loaded_mnist() {
    let mut r = rng(11);
    let mut image = |n: usize| {
        Array2::from_shape_fn((n, 784), |_| {
            if r.random_bool(0.2) {
                r.random_range(1..=255u8)
            } else {
                0
            }
        })
    };
    let raw = RawMnist {
        train_images: image(300),
        train_labels: Array1::from_shape_fn(300, |i| (i * 7 % 10) as u8),
        test_images: image(50),
        test_labels: Array1::from_shape_fn(50, |i| (i % 10) as u8),
    };
    let mnist = raw.to_mnist(true, true, true).unwrap();
    let from_raw = TrainingData::from_raw(&raw).unwrap();
    assert_eq!(from_raw, prepared(&mnist));
    assert_eq!(from_raw.t_train[..4], [0, 7, 4, 1]);
    let a = fast(&from_raw, &small(30)).unwrap();
    let b = fast(&prepared(&mnist), &small(30)).unwrap();
    assert_eq!(a.history.train_loss, b.history.train_loss);
    assert_eq!(a.net, b.net);
    // The book's loop on the f64 images: the same history to rounding.
    let book = quiet(&mnist, &small(30)).unwrap();
    assert!(compare(&a.history, &book.history) < 1e-12);
}

/// With `DLFS_DATA_DIR` pointing at the four MNIST files: the book's settings reach the book's
/// accuracy (its own code gives 0.9435-0.9470 on the test set).
#[test]
#[ignore = "needs MNIST"]
fn mnist_with_the_books_settings_reaches_0_943() {
    let dir = std::env::var_os("DLFS_DATA_DIR")
        .filter(|v| !v.is_empty())
        .expect("DLFS_DATA_DIR names the directory with the full MNIST");
    let raw = RawMnist::load(Some(std::path::Path::new(&dir))).expect("MNIST in DLFS_DATA_DIR");
    let prepared = TrainingData::from_raw(&raw).unwrap();
    drop(raw);
    let settings = TrainSettings::default();
    let trained = dlfs_fast::train_with(
        &prepared,
        &settings,
        |r, last| println!("{}", dlfs::train::epoch_line(r, last)),
        |_, _| {},
    )
    .unwrap();
    let h = &trained.history;
    assert_eq!(h.iter_per_epoch, 600);
    assert_eq!(h.epochs.len(), 17);
    assert_eq!(h.train_loss.len(), 10_000);
    let (train_acc, test_acc) = (h.final_train_acc, h.final_test_acc);
    println!(
        "final: train_acc={train_acc:.4} test_acc={test_acc:.4} seconds={:.2}",
        h.seconds
    );
    assert!(test_acc >= 0.943, "test accuracy {test_acc}");
    assert!(train_acc >= 0.943, "train accuracy {train_acc}");
    assert!(h.epochs[0].test_acc < 0.2);
    // What `dlfs train` prints last with the book's settings, the same since the fast trainer
    // was written: the run is the same, bit for bit, on every machine.
    assert_eq!(
        format!("train_acc={train_acc:.4} test_acc={test_acc:.4}"),
        "train_acc=0.9479 test_acc=0.9447"
    );
    // The accuracies after the last update (iteration 10000), 400 updates after the last
    // record (iteration 9600).
    assert_eq!(
        (train_acc, test_acc),
        prepared.accuracies(&trained.net).unwrap()
    );
}

/// The largest relative difference between two loss sequences, and whether the accuracies agree.
fn compare(fast: &History, reference: &History) -> f64 {
    assert_eq!(fast.train_loss.len(), reference.train_loss.len());
    assert_eq!(fast.epochs.len(), reference.epochs.len());
    assert_eq!(fast.iter_per_epoch, reference.iter_per_epoch);
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    let mut worst = 0.0_f64;
    for (a, b) in fast.train_loss.iter().zip(&reference.train_loss) {
        worst = worst.max(rel(*a, *b));
    }
    for (a, b) in fast.epochs.iter().zip(&reference.epochs) {
        assert_eq!((a.epoch, a.iteration), (b.epoch, b.iteration));
        assert_eq!(
            (a.train_acc, a.test_acc),
            (b.train_acc, b.test_acc),
            "epoch {}",
            a.epoch
        );
        worst = worst.max(rel(a.loss, b.loss));
    }
    worst
}

#[test]
fn the_fast_trainer_computes_the_books_loop() {
    // 300 training and 100 test rows: 6 iterations per epoch, 50 iterations, 9 epoch records.
    //
    // The two differ only in the order in which the products of a row are added (the fast
    // trainer skips the zero pixels and adds in its own order; the dense loop's matrix product
    // adds in blocks, and may use fused multiply-adds), and in its `e^x` (within an ulp of
    // `f64::exp`). Measured: the losses differ by at most 2.1e-16 relative (an ulp or so) and
    // the final W1 by at most 5e-17, for both gradients, with no growth over the 50 steps; the
    // accuracies are equal. The bounds below leave four orders of magnitude for other
    // machines, whose matrix product may round differently.
    //
    // The book's loop with numerical gradients evaluates the whole loss twice per parameter:
    // it runs on a smaller net and fewer, smaller mini-batches. Its gradient is the book's
    // per-element loop, the fast trainer's `dlfs_fast::numerical_gradient` (the same central
    // differences, within 1e-9: tests/numgrad.rs), so the two drift apart by more than with
    // backpropagation: measured, losses within 1.0e-11 relative and W1 within 9.8e-11 after
    // 20 steps at a learning rate of 3; the bounds leave two orders of magnitude.
    let mnist = synthetic(300, 100, false, 5);
    let data = prepared(&mnist);
    let numerical = TrainSettings {
        gradient: GradientMethod::Numerical,
        iters_num: 20,
        batch_size: 10,
        hidden_size: 3,
        learning_rate: 3.0,
        ..small(20)
    };
    for (settings, bound) in [(small(50), 1e-12), (numerical, 1e-8)] {
        let (method, iters) = (settings.gradient, settings.iters_num);
        let fast = fast(&data, &settings).unwrap();
        let reference = quiet(&mnist, &settings).unwrap();
        let worst = compare(&fast.history, &reference.history);
        let w1 = (&fast.net.params.w1 - &reference.net.params.w1)
            .iter()
            .fold(0.0_f64, |m, d| m.max(d.abs()));
        let (first, last) = (
            fast.history.train_loss[0],
            fast.history.train_loss[iters - 1],
        );
        println!("{method:?}: loss {first} -> {last}, relative difference {worst:e}, W1 {w1:e}");
        assert!(last < first - 0.05, "{method:?}: {first} -> {last}");
        assert!(worst < bound, "{method:?}: losses differ by {worst:e}");
        assert!(w1 < bound, "{method:?}: W1 differs by {w1:e}");
    }
}

#[test]
fn weights_that_overflow_stop_every_trainer_naming_the_iteration() {
    // A learning rate of 1e308 sends W2 to about 1e306 in the first update, and further in the
    // second; the scores (a sum over the hidden units) overflow, and the softmax gives NaN. (A
    // learning rate of 1e6 does not get there: the sigmoids saturate, the gradients vanish and
    // the loss stays finite. Neither does the numerical gradient, whose steps of 1e-4 vanish
    // next to weights of 1e306: a NaN weight is injected into it in the unit tests of
    // `dlfs::fast`.) The trainers stop with an error naming the iteration, where the fast
    // one's loss used to turn NaN into a perfect -0.000.
    let data = synthetic(300, 100, false, 3);
    let prepared = prepared(&data);
    let backprop = TrainSettings {
        learning_rate: 1e308,
        hidden_size: 50,
        ..small(20)
    };
    for (what, result) in [
        ("book", quiet(&data, &backprop)),
        ("fast", fast(&prepared, &backprop)),
    ] {
        let e = result.unwrap_err();
        assert!(matches!(e, dlfs::Error::NonFinite(_)), "{what}: {e}");
        let e = e.to_string();
        assert!(
            e.contains("at iteration ") && e.contains("smaller"),
            "{what}: {e}"
        );
    }
    // The iteration named is the one whose loss stopped being a number: the same in both.
    let book = quiet(&data, &backprop).unwrap_err().to_string();
    let fast = fast(&prepared, &backprop).unwrap_err().to_string();
    let iteration = |e: &str| {
        e.split("at iteration ")
            .nth(1)
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(iteration(&book), iteration(&fast), "{book} / {fast}");
}

#[test]
fn absurd_sizes_are_refused_before_allocating() {
    let data = synthetic(200, 50, false, 1);
    let prepared = prepared(&data);
    let cases = [
        (
            TrainSettings {
                hidden_size: usize::MAX,
                ..small(10)
            },
            "hidden_size",
        ),
        (
            TrainSettings {
                hidden_size: 1 << 40,
                ..small(10)
            },
            "hidden_size",
        ),
        (
            TrainSettings {
                batch_size: usize::MAX,
                ..small(10)
            },
            "batch_size",
        ),
        (
            TrainSettings {
                batch_size: 1 << 40,
                ..small(10)
            },
            "batch_size",
        ),
        (
            TrainSettings {
                iters_num: usize::MAX,
                ..small(10)
            },
            "iters_num",
        ),
        (
            TrainSettings {
                iters_num: 1 << 50,
                ..small(10)
            },
            "iters_num",
        ),
        (
            TrainSettings {
                hidden_size: 1 << 32,
                batch_size: 1 << 32,
                ..small(10)
            },
            "bytes",
        ),
    ];
    for (settings, expected) in cases {
        for e in [
            settings.validate().unwrap_err(),
            quiet(&data, &settings).unwrap_err(),
            fast(&prepared, &settings).unwrap_err(),
        ] {
            let e = e.to_string();
            assert!(
                e.contains(expected) && e.contains("bytes"),
                "{settings:?}: {e}"
            );
        }
    }
}
