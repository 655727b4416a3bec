//! A watched run stopped early; the error messages.

use std::borrow::Cow;

use dlfs::batch::{rand, rng};
use dlfs::loss::Target;
use dlfs::mnist::Mnist;
use dlfs::train::{train_watched, History, TrainSettings, Watch};

/// Stops a run after `after` updates (never for 0) and records what it was told.
struct StopAfter {
    after: usize,
    calls: usize,
    finished: Option<usize>,
}

impl Watch for StopAfter {
    fn after_update(&mut self, history: &History) -> bool {
        self.calls += 1;
        assert_eq!(history.train_loss.len(), self.calls);
        self.calls == self.after
    }
    fn finish(&mut self, history: &History) {
        self.finished = Some(history.train_loss.len());
    }
}

fn stop_after(after: usize) -> StopAfter {
    StopAfter {
        after,
        calls: 0,
        finished: None,
    }
}

#[test]
fn a_watch_that_stops_a_run_gets_the_net_and_the_history_so_far() {
    let mut r = rng(7);
    let labels = |n: usize| Target::Labels(Cow::Owned((0..n).map(|i| i % 10).collect()));
    let data = Mnist {
        x_train: rand(&mut r, 200, 784).unwrap(),
        t_train: labels(200),
        x_test: rand(&mut r, 50, 784).unwrap(),
        t_test: labels(50),
    };
    // 200 rows in batches of 40: an epoch record every 5 updates.
    let settings = TrainSettings {
        iters_num: 12,
        batch_size: 40,
        hidden_size: 5,
        ..TrainSettings::default()
    };
    let mut whole = stop_after(0);
    let full = train_watched(&data, &settings, |_, _| {}, &mut whole).unwrap();
    assert_eq!((whole.calls, whole.finished), (12, Some(12)));
    let mut watch = stop_after(7);
    let part = train_watched(&data, &settings, |_, _| {}, &mut watch).unwrap();
    assert_eq!((watch.calls, watch.finished), (7, Some(7)));
    // The same path as far as it went: 7 losses, the records of iterations 0 and 5.
    assert_eq!(part.history.train_loss, full.history.train_loss[..7]);
    assert_eq!(part.history.epochs, full.history.epochs[..2]);
    // The final accuracies are those of the net it returns (not of the last record).
    let t: Vec<usize> = (0..200).map(|i| i % 10).collect();
    let acc = part
        .net
        .accuracy(&data.x_train, &Target::Labels(Cow::Borrowed(&t[..])));
    assert_eq!(part.history.final_train_acc, acc.unwrap());
    assert_ne!(part.net.params, full.net.params);
}

// The error type's messages.
mod errors {
    use dlfs::Error;
    use std::error::Error as _;
    use std::io;

    #[test]
    fn every_message_names_its_kind_and_keeps_the_detail() {
        let cases = [
            (
                Error::Shape("t is (2, 9), y is (2, 10)".into()),
                "shape mismatch: t is (2, 9), y is (2, 10)",
            ),
            (
                Error::Label("label 12 for 10 classes".into()),
                "bad label: label 12 for 10 classes",
            ),
            (
                Error::Empty("a batch of 0 rows".into()),
                "empty input: a batch of 0 rows",
            ),
            (
                Error::NonFinite("loss NaN at iteration 3".into()),
                "not finite: loss NaN at iteration 3",
            ),
            (
                Error::InvalidArgument("lr = 0".into()),
                "invalid argument: lr = 0",
            ),
            (
                Error::NotFound("looked in /data".into()),
                "MNIST not found: looked in /data",
            ),
            (
                Error::Download("no mirror answered".into()),
                "download failed: no mirror answered",
            ),
            (Error::Plot("empty series".into()), "plot: empty series"),
            (
                Error::Data {
                    path: "/d/t10k.gz".into(),
                    message: "bad magic 0x0000".into(),
                },
                "/d/t10k.gz: bad magic 0x0000",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
            assert!(error.source().is_none(), "{message}: no source expected");
        }
    }

    #[test]
    fn an_io_error_names_the_file_and_keeps_the_os_error_as_its_source() {
        let os = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let error = Error::io("/d/train.gz", os);
        assert_eq!(error.to_string(), "/d/train.gz: No such file or directory");
        let source = error.source().expect("the io::Error as source");
        assert_eq!(source.to_string(), "No such file or directory");
        let io = source.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
    }
}
