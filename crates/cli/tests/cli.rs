//! The `dlfs` command line, run as a user would: which data directory each command uses and
//! why, a mistyped one, MNIST missing, `figures`' exit status and option checks, negative
//! numbers, a closed pipe (a real pipe), and Ctrl-C during a download (a real signal, against
//! a server on 127.0.0.1). Nothing here touches the network; every wait is bounded.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dlfs_testkit::{
    assert_contains, assert_lacks, full_mnist_dir, mnist_contents, write_mnist, TempDir,
};

const DLFS: &str = env!("CARGO_BIN_EXE_dlfs");

/// `dlfs ARGS` with no MNIST anywhere but where the test puts it: `DLFS_DATA_DIR` unset and the
/// user's cache directory inside `cache` (through `XDG_CACHE_HOME`).
fn dlfs(cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(DLFS);
    cmd.args(args)
        .env_remove("DLFS_DATA_DIR")
        .env("XDG_CACHE_HOME", cache)
        .stdin(Stdio::null());
    cmd
}

/// Runs a command to its end, killing it after 120 s (a hang fails the test, never blocks it).
fn run(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).unwrap();
        v
    });
    let mut stderr = Vec::new();
    err.read_to_end(&mut stderr).unwrap();
    let status = wait(&mut child, Duration::from_secs(120));
    Output {
        status,
        stdout: reader.join().unwrap(),
        stderr,
    }
}

fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dlfs did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The small MNIST of the test kit (3 training images, 2 test images) written into `dir`.
fn write_tiny_mnist(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    write_mnist(dir, &mnist_contents(), [true; 4]);
}

fn cache_mnist(cache: &Path) -> PathBuf {
    cache.join("dlfs").join("mnist")
}

#[test]
fn where_prints_the_directory_and_says_why() {
    let cache = TempDir::new("cli-where");
    let in_cache = cache_mnist(cache.path());
    write_tiny_mnist(&in_cache);
    // Nothing named: the user's cache directory.
    let out = run(&mut dlfs(cache.path(), &["where"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", in_cache.display()));
    assert_eq!(
        text(&out.stderr),
        format!(
            "MNIST: {} (the user's cache directory: no --data-dir given and DLFS_DATA_DIR not set)\n",
            in_cache.display()
        )
    );
    // DLFS_DATA_DIR first.
    let other = TempDir::new("cli-where-env");
    write_tiny_mnist(other.path());
    let out = run(dlfs(cache.path(), &["where"]).env("DLFS_DATA_DIR", other.path()));
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), format!("{}\n", other.path().display()));
    assert_eq!(
        text(&out.stderr),
        format!("MNIST: {} (from DLFS_DATA_DIR)\n", other.path().display())
    );
    // A named directory without the files: the next one, and the line says why.
    let empty = TempDir::new("cli-where-empty");
    let dir = empty.path().to_str().unwrap();
    let out = run(&mut dlfs(cache.path(), &["where", "--data-dir", dir]));
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), format!("{}\n", in_cache.display()));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_contains(
        &err,
        [format!(
            "the user's cache directory; {dir} (given by the caller) holds none of the four files"
        )],
    );
    // Where `dlfs download` would put the files.
    let out = run(&mut dlfs(
        cache.path(),
        &["where", "--download-dir", "--data-dir", dir],
    ));
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), format!("{dir}\n"));
}

#[test]
fn without_mnist_where_fails_in_a_few_lines_and_creates_nothing() {
    let cache = TempDir::new("cli-nomnist");
    let out = run(&mut dlfs(cache.path(), &["where"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    eprintln!("{err}");
    assert!(
        err.starts_with("error: MNIST not found: no directory holds the four files"),
        "{err}"
    );
    let in_cache = cache_mnist(cache.path());
    assert_contains(
        &err,
        [
            format!(
                "{} (the user's cache directory): does not exist",
                in_cache.display()
            ),
            format!("`dlfs download` would put them in {}", in_cache.display()),
            "cargo run --release -p dlfs-cli -- download".to_string(),
        ],
    );
    assert!(
        err.lines().count() <= 6 && err.len() < 900,
        "{} bytes: {err}",
        err.len()
    );
    assert!(
        !cache.path().join("dlfs").exists(),
        "a read-only command created a directory"
    );
}

#[test]
fn a_mistyped_data_dir_is_an_error_naming_it_for_every_command() {
    let cache = TempDir::new("cli-typo");
    write_tiny_mnist(&cache_mnist(cache.path()));
    let typo = cache.path().join("mnsit");
    let typo_s = typo.to_str().unwrap();
    let out_dir = cache.path().join("figures-out");
    let out_s = out_dir.to_str().unwrap();
    for args in [
        vec!["where", "--data-dir", typo_s],
        vec!["train", "--iters", "1", "--data-dir", typo_s],
        vec![
            "figures",
            "--out",
            out_s,
            "--only",
            "fig4-11",
            "--data-dir",
            typo_s,
        ],
    ] {
        let out = run(&mut dlfs(cache.path(), &args));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_contains(&err, [format!("the data directory {typo_s} (given by the caller) does not exist; check its spelling")]);
        assert!(!typo.exists(), "{args:?} created the mistyped directory");
        assert!(
            !out_dir.exists(),
            "{args:?} wrote before checking its options"
        );
    }
    // The same through DLFS_DATA_DIR: not silently replaced by the cache, which holds MNIST;
    // and `dlfs download` does not create and fill a mistyped DLFS_DATA_DIR either (nor asks
    // any server: the error comes first).
    let from_env = format!("the data directory {typo_s} (from DLFS_DATA_DIR) does not exist");
    for args in [
        &["where"][..],
        &["download", "--mirror", "http://127.0.0.1:9/"],
    ] {
        let out = run(dlfs(cache.path(), args).env("DLFS_DATA_DIR", &typo));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_contains(&text(&out.stderr), [&from_env]);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!typo.exists(), "{args:?} created the mistyped directory");
    }
}

#[test]
fn download_says_where_it_writes_and_what_is_there_when_it_fails() {
    let cache = TempDir::new("cli-download");
    let target = cache.path().join("new-dir");
    // A port nobody listens on: refused at once, on 127.0.0.1 only.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/m/", l.local_addr().unwrap())
    };
    let part = target.join(".train-labels-idx1-ubyte.gz.part");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(&part, b"left by a killed run").unwrap();
    let t = target.to_str().unwrap();
    let args = ["download", "--data-dir", t, "--mirror", &closed];
    let out = run(&mut dlfs(cache.path(), &args));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!(
            "MNIST directory: {} (given by the caller)\n",
            target.display()
        )),
        "{err}"
    );
    assert_contains(
        &err,
        [
            format!("removed {}, left by an earlier run", part.display()),
            "no mirror delivered it (1 tried), so it was not saved".to_string(),
            format!(
                "in {} now: present: none; missing: train-images-idx3-ubyte, \
                 train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte",
                target.display()
            ),
        ],
    );
    assert_lacks(&err, ["nothing was saved"]);
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    // The stall timeout is in the help.
    let out = run(&mut dlfs(cache.path(), &["download", "--help"]));
    let help = text(&out.stdout);
    assert_contains(&help, ["--stall-timeout <SECONDS>", "[default: 10]"]);
}

#[test]
fn figures_fail_when_a_figure_asked_for_is_not_made() {
    let cache = TempDir::new("cli-figures");
    let out_dir = cache.path().join("out");
    let o = out_dir.to_str().unwrap();
    let out = run(&mut dlfs(
        cache.path(),
        &["figures", "--out", o, "--only", "fig4-1"],
    ));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The figures that need no data are made, atomically (no temporary file left).
    let mut made: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        vec![
            "fig4-10_gradient_descent.png",
            "fig4-10_gradient_descent.svg",
            "fig4-10b_learning_rates.png",
            "fig4-10b_learning_rates.svg"
        ]
    );
    assert!(
        stdout.ends_with(&format!("4 files in {}\n", out_dir.display())),
        "{stdout}"
    );
    // One line per figure that is missing, and a failing status.
    assert_contains(
        &stderr,
        [
            "not made: fig4-11_loss: needs MNIST, not found\n",
            "not made: fig4-12_accuracy: needs MNIST, not found\n",
            "MNIST not found",
        ],
    );
    assert!(
        stderr
            .ends_with("error: plot: 2 of the 4 figures asked for were not made (listed above)\n"),
        "{stderr}"
    );
}

#[test]
fn figures_check_every_option_before_making_anything() {
    let cache = TempDir::new("cli-figure-options");
    let out_dir = cache.path().join("out");
    let o = out_dir.to_str().unwrap();
    let cases: [(&[&str], i32, &[&str]); 6] = [
        (
            &["--only", "fig9"],
            1,
            &["--only \"fig9\" matches no figure", "fig4-3_log"],
        ),
        (&["--scale", "-2"], 2, &["-2", "must be a positive number"]),
        (&["--scale", "0"], 2, &["must be a positive number, got 0"]),
        (&["--scale", "nan"], 2, &["must be a positive number"]),
        (
            &["--scale", "100"],
            1,
            &["figure too large: 128000x72000 pixels"],
        ),
        (&["--iters", "-5"], 2, &["must be a whole number", "-5"]),
    ];
    for (extra, code, needles) in cases {
        let mut args = vec!["figures", "--out", o];
        args.extend_from_slice(extra);
        let out = run(&mut dlfs(cache.path(), &args));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{extra:?}: {err}");
        assert_contains(&err, needles);
        assert_lacks(&err, ["panicked"]);
        assert!(
            !out_dir.exists(),
            "{extra:?}: files were written before the options were checked"
        );
    }
}

#[test]
fn negative_numbers_get_a_message_naming_them() {
    let cache = TempDir::new("cli-negative");
    for (args, needle) in [
        (
            &["train", "--seed", "-1"][..],
            "the seed must be a whole number from 0 to 18446744073709551615, got \"-1\"",
        ),
        (
            &["train", "--iters", "-100"][..],
            "must be a whole number from 1 to",
        ),
        (&["train", "--hidden", "0"][..], "must be at least 1, got 0"),
        (&["train", "--batch", "-3"][..], "got \"-3\""),
    ] {
        let out = run(&mut dlfs(cache.path(), args));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_contains(&err, [needle]);
        assert_lacks(&err, ["unexpected argument"]);
    }
    assert!(!cache.path().join("dlfs").exists());
}

/// Starts `dlfs ARGS` with stdout to a pipe, reads `lines` lines from it, closes it, and
/// returns the exit status and stderr: what `dlfs ARGS | head -LINES` does.
fn closed_pipe(cmd: &mut Command, lines: usize) -> (std::process::ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
    }
    drop(reader);
    let mut err = child.stderr.take().unwrap();
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = wait(&mut child, Duration::from_secs(120));
    (status, errs.join().unwrap())
}

#[test]
fn a_closed_pipe_ends_figures_and_where_quietly() {
    let cache = TempDir::new("cli-pipe");
    let out_dir = cache.path().join("out");
    // Closed before the first line.
    let (status, err) = closed_pipe(
        &mut dlfs(
            cache.path(),
            &[
                "figures",
                "--out",
                out_dir.to_str().unwrap(),
                "--only",
                "fig4-3",
            ],
        ),
        0,
    );
    assert_eq!(status.code(), Some(141), "{err}");
    assert_lacks(&err, ["panicked", "Broken pipe"]);
    // After one line (`| head -1`): where, and with the full MNIST train and download.
    write_tiny_mnist(&cache_mnist(cache.path()));
    let (status, err) = closed_pipe(&mut dlfs(cache.path(), &["where"]), 1);
    assert!(status.success(), "one line only: {err}");
}

#[test]
#[ignore = "needs MNIST"]
fn a_closed_pipe_ends_train_and_download_quietly_with_status_141() {
    let cache = TempDir::new("cli-pipe-mnist");
    let full = full_mnist_dir();
    let (status, err) = closed_pipe(
        dlfs(cache.path(), &["train", "--iters", "1300"]).env("DLFS_DATA_DIR", &full),
        1,
    );
    assert_eq!(status.code(), Some(141), "{err}");
    assert_lacks(&err, ["panicked"]);
    let (status, err) = closed_pipe(
        dlfs(cache.path(), &["download"]).env("DLFS_DATA_DIR", &full),
        1,
    );
    assert_eq!(status.code(), Some(141), "{err}");
    assert_lacks(&err, ["panicked"]);
}

/// A server on 127.0.0.1 that answers one request with a long body, sends 64 KiB of it and
/// then nothing (holding the connection until dropped, 30 s at most).
fn stalling_server() -> (
    String,
    std::sync::mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/m/", listener.local_addr().unwrap());
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("no request: {e}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
        }
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9000000\r\nConnection: close\r\n\r\n");
        let _ = stream.write_all(&vec![0x1f; 64 << 10]);
        let _ = stopped.recv_timeout(Duration::from_secs(30));
    });
    (base, stop, thread)
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_download_removes_the_partial_file_and_exits_130() {
    let cache = TempDir::new("cli-ctrl-c");
    let dir = cache.path().join("mnist");
    let (mirror, stop, server) = stalling_server();
    let mut child = dlfs(
        cache.path(),
        &[
            "download",
            "--data-dir",
            dir.to_str().unwrap(),
            "--mirror",
            &mirror,
            "--stall-timeout",
            "60",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let part = dir.join(".train-images-idx3-ubyte.gz.part");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(part.is_file() && std::fs::metadata(&part).unwrap().len() > 0) {
        assert!(Instant::now() < deadline, "no partial file appeared");
        assert!(child.try_wait().unwrap().is_none(), "dlfs ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sends SIGINT to the child we started.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let status = wait(&mut child, Duration::from_secs(10));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let _ = stop.send(());
    server.join().unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert_contains(&err, ["interrupted; no partial download is left behind"]);
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A data directory the user may not read is reported as such, by the real binary. As root
/// (CI) permissions are not enforced, so the binary then runs as the unprivileged user
/// 65534 ("nobody"), for whom they are.
#[cfg(unix)]
#[test]
fn an_unreadable_data_dir_is_reported_as_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let cache = TempDir::new("cli-unreadable");
    std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = cache.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("train-images-idx3-ubyte.gz"), b"x").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let as_root = std::fs::read_dir(&locked).is_ok();
    let mut cmd = dlfs(
        cache.path(),
        &["where", "--data-dir", locked.to_str().unwrap()],
    );
    if as_root {
        cmd.uid(65534).gid(65534);
    }
    let out = run(&mut cmd);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_contains(
        &err,
        [format!(
            "{} (given by the caller): cannot be read (permission denied)",
            locked.display()
        )],
    );
    assert_lacks(&err, ["holds none"]);
}
