//! The figures of `dlfs::plot`: sizes, content, text, SVG, determinism, evcxr output, export.
//!
//! Everything here draws with the fonts embedded in the crate; nothing reads system fonts,
//! MNIST or the network.

use std::path::PathBuf;

use base64::Engine;
use dlfs::prelude::{gradient_descent, EpochRecord, History};
use dlfs_plot::*;
use ndarray::{array, Array2};

use dlfs::gradient::function_2;

/// A made-up training run: the loss falls from about 2.3 with some noise, accuracies rise.
fn history() -> History {
    let train_loss = (0..1200)
        .map(|i| {
            let t = i as f64;
            2.2 * (-t / 250.0).exp() + 0.15 + 0.12 * (t * 0.7).sin().abs()
        })
        .collect();
    let epochs = (0..=10)
        .map(|e| EpochRecord {
            epoch: e,
            iteration: e * 120,
            loss: 2.0 / (e as f64 + 1.0),
            train_acc: 0.95 - 0.85 * (-(e as f64) / 2.0).exp(),
            test_acc: 0.94 - 0.84 * (-(e as f64) / 2.0).exp(),
        })
        .collect();
    History {
        train_loss,
        epochs,
        iter_per_epoch: 120,
        seconds: 1.0,
        ..History::default()
    }
}

/// 24 synthetic 28x28 "digits": a bar whose position depends on the index, values in [0, 1].
fn images() -> (Array2<f64>, Vec<usize>, Vec<usize>) {
    let n = 24;
    let x = Array2::from_shape_fn((n, 784), |(i, p)| {
        let (r, c) = (p / 28, p % 28);
        let col = 4 + i % 20;
        if (6..22).contains(&r) && (col..col + 3).contains(&c) {
            1.0
        } else {
            0.0
        }
    });
    let labels: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let preds: Vec<usize> = (0..n)
        .map(|i| if i % 5 == 0 { (i + 3) % 10 } else { i % 10 })
        .collect();
    (x, labels, preds)
}

fn w1() -> Array2<f64> {
    Array2::from_shape_fn((784, 50), |(p, j)| {
        ((p as f64 * 0.37 + j as f64 * 1.3).sin() * 0.05) * (1.0 + j as f64 / 10.0)
    })
}

/// Every figure the module makes, by name.
fn all_figures() -> Vec<(String, Figure)> {
    let (x, labels, preds) = images();
    let h = history();
    let mut figs = book_figures();
    figs.extend([
        ("loss".to_string(), loss_curve(&h)),
        ("accuracy".to_string(), accuracy_curve(&h)),
        ("digits".to_string(), digits(x.view(), &labels, None, 20)),
        (
            "predictions".to_string(),
            digits(x.view(), &labels, Some(&preds), 24),
        ),
        ("weights".to_string(), weights(w1().view())),
        (
            "tangent_lines".to_string(),
            tangent_lines(|x| x.sin(), (0.0, 6.0), &[1.0, 3.0]),
        ),
        (
            "surface".to_string(),
            surface(|a, b| (a * b).sin(), (-2.0, 2.0)),
        ),
        (
            "gradient_field".to_string(),
            gradient_field(|x| x[0] * x[0] - x[1], (-1.0, 1.0), 0.5),
        ),
        (
            "grid".to_string(),
            Figure::grid(vec![log_curve(), function_1_tangents()], 2).title("two figures"),
        ),
    ]);
    figs
}

/// Decoded PNG: (width, height, RGB bytes).
fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(png);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Share of pixels that differ from white.
fn ink_share(rgb: &[u8]) -> f64 {
    let px = rgb.chunks(3);
    let n = px.len();
    px.filter(|p| p.iter().any(|&v| v < 240)).count() as f64 / n as f64
}

/// Dark pixels (text, axes) in rows `y0..y1`.
fn dark_in_rows(w: u32, rgb: &[u8], y0: u32, y1: u32) -> usize {
    let row = w as usize * 3;
    rgb[y0 as usize * row..y1 as usize * row]
        .chunks(3)
        .filter(|p| p.iter().all(|&v| v < 100))
        .count()
}

#[test]
fn every_figure_renders_at_the_requested_size_and_is_not_blank() {
    for (name, fig) in all_figures() {
        let (w, h, rgb) = decode(&fig.png_bytes().unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!((w, h), (1280, 720), "{name}");
        let share = ink_share(&rgb);
        assert!(
            share > 0.02,
            "{name}: only {:.4} of the pixels are drawn",
            share
        );
        assert!(
            share < 0.9,
            "{name}: {:.4} of the pixels are not white",
            share
        );

        let small = fig.clone().size(480, 270).scale(2.0);
        assert_eq!(small.pixel_size(), (960, 540));
        let (w2, h2, rgb2) = decode(&small.png_bytes().unwrap());
        assert_eq!((w2, h2), (960, 540), "{name} at scale 2");
        assert!(ink_share(&rgb2) > 0.02, "{name} at scale 2 is blank");
    }
}

#[test]
fn odd_sizes_and_scales_round_the_pixel_size() {
    let fig = log_curve().size(1000, 600).scale(1.5);
    let (w, h, _) = decode(&fig.png_bytes().unwrap());
    assert_eq!((w, h), (1500, 900));
}

#[test]
fn titles_draw_text_in_the_title_band() {
    for (name, fig) in all_figures() {
        let Some(title) = fig.title_text().map(str::to_string) else {
            panic!("{name} has no title");
        };
        assert!(!title.is_empty());
        let (w, _, with) = decode(&fig.png_bytes().unwrap());
        let (_, _, without) = decode(&fig.clone().title("").png_bytes().unwrap());
        let band = 56; // the title band is 64 px high at 1280x720
        let dark_with = dark_in_rows(w, &with, 0, band);
        let dark_without = dark_in_rows(w, &without, 0, band);
        assert!(
            dark_with > 400,
            "{name}: the title '{title}' left only {dark_with} dark pixels"
        );
        // In a grid without its title, the panels' titles move up into the band.
        assert!(
            name == "grid" || dark_with > 4 * dark_without,
            "{name}: {dark_with} dark pixels with the title, {dark_without} without"
        );
        assert_ne!(with, without, "{name}");
    }
}

#[test]
fn axis_labels_and_ticks_are_drawn_below_the_chart() {
    // fig 4-3: the bottom 80 rows hold the x tick labels and the label "x" only.
    let (w, h, rgb) = decode(&log_curve().png_bytes().unwrap());
    let dark = dark_in_rows(w, &rgb, h - 60, h);
    assert!(dark > 30, "only {dark} dark pixels in the x label area");
}

/// Checks that tags open and close in order (enough to catch truncated or broken output).
fn check_svg(name: &str, svg: &str) {
    assert!(
        svg.starts_with("<svg"),
        "{name}: {}",
        &svg[..40.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    assert!(svg.contains("<text"), "{name}: no text");
    assert!(
        svg.contains("DejaVu Sans, Verdana, sans-serif"),
        "{name}: font family"
    );
    assert!(
        !svg.contains("@@dlfs-raster"),
        "{name}: a raster placeholder was left"
    );
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let j = rest[i..].find('>').map(|j| i + j).expect("unclosed tag");
        let tag = &rest[i + 1..j];
        rest = &rest[j + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(close) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{close}>"));
            assert_eq!(open, close.trim(), "{name}: </{close}> closes <{open}>");
        } else if !tag.ends_with('/') {
            let tname = tag.split_whitespace().next().unwrap_or("").to_string();
            stack.push(tname);
        }
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
}

#[test]
fn every_figure_is_well_formed_svg() {
    for (name, fig) in all_figures() {
        let svg = fig.svg_string().unwrap_or_else(|e| panic!("{name}: {e}"));
        check_svg(&name, &svg);
        assert!(
            svg.contains("width=\"1280\"") && svg.contains("height=\"720\""),
            "{name}"
        );
    }
}

#[test]
fn raster_parts_are_embedded_images_in_svg() {
    let (x, labels, _) = images();
    let svg = digits(x.view(), &labels, None, 12).svg_string().unwrap();
    assert_eq!(svg.matches("<image").count(), 12);
    let svg = weights(w1().view()).svg_string().unwrap();
    // 50 tiles and the colour bar.
    assert_eq!(svg.matches("<image").count(), 51);
    assert!(svg.contains("data:image/png;base64,"));
}

#[test]
fn rendering_is_deterministic() {
    for (name, fig) in all_figures() {
        assert_eq!(fig.png_bytes().unwrap(), fig.png_bytes().unwrap(), "{name}");
        assert_eq!(
            fig.svg_string().unwrap(),
            fig.svg_string().unwrap(),
            "{name}"
        );
    }
    // Two figures built separately from the same input.
    assert_eq!(
        learning_rates(function_2, &array![-3.0, 4.0], &[10.0, 0.1, 1e-10], 100)
            .png_bytes()
            .unwrap(),
        learning_rates(function_2, &array![-3.0, 4.0], &[10.0, 0.1, 1e-10], 100)
            .png_bytes()
            .unwrap()
    );
}

#[test]
fn evcxr_output_is_a_base64_png_between_markers() {
    let fig = function_1_tangents().size(640, 360);
    let out = fig.evcxr_output();
    let body = out
        .strip_prefix("EVCXR_BEGIN_CONTENT image/png\n")
        .and_then(|s| s.strip_suffix("\nEVCXR_END_CONTENT\n"))
        .expect("evcxr markers");
    assert!(!body.contains('\n'));
    let png = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    assert_eq!(png, fig.png_bytes().unwrap());

    let out = fig.clone().svg().evcxr_output();
    let body = out
        .strip_prefix("EVCXR_BEGIN_CONTENT image/svg+xml\n")
        .and_then(|s| s.strip_suffix("\nEVCXR_END_CONTENT\n"))
        .expect("evcxr markers for SVG");
    assert_eq!(body, fig.svg_string().unwrap());
}

#[test]
fn errors_are_reported_not_panicked() {
    let empty = loss_curve(&History::default());
    let out = empty.evcxr_output();
    assert!(out.starts_with("figure not drawn:"), "{out}");
    assert!(out.contains("train_loss is empty"), "{out}");
    assert!(empty.png_bytes().is_err());
    assert!(empty
        .save_svg(std::env::temp_dir().join("never.svg"))
        .is_err());

    let msg = |f: Figure| f.png_bytes().unwrap_err().to_string();
    assert!(msg(gradient_field(function_2, (-2.0, 2.0), 0.0)).contains("step must be positive"));
    assert!(msg(gradient_field(function_2, (2.0, -2.0), 0.5)).contains("range"));
    let bad = Array2::<f64>::zeros((3, 100));
    assert!(msg(digits(bad.view(), &[1, 2, 3], None, 3)).contains("[3, 100]"));
    assert!(msg(weights(bad.view())).contains("(784, hidden)"));
    assert!(msg(accuracy_curve(&History::default())).contains("no epoch records"));
    assert!(msg(log_curve().scale(0.0)).contains("scale"));
    assert!(msg(log_curve().size(4, 4)).contains("too small"));
    assert!(msg(Figure::grid(vec![], 2)).contains("no figures"));
    let d3 = gradient_descent(function_2, &array![1.0, 2.0, 3.0], 0.1, 3);
    assert!(msg(descent_path(function_2, &d3)).contains("2-D"));
    assert!(msg(learning_rates(function_2, &array![1.0], &[0.1], 3)).contains("2-D point"));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlfs-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const BOOK: [&str; 6] = [
    "fig4-3_log",
    "fig4-6_tangents",
    "fig4-8_surface",
    "fig4-9_gradient_field",
    "fig4-10_gradient_descent",
    "fig4-10b_learning_rates",
];

#[test]
fn export_writes_png_and_svg_of_every_book_figure() {
    let dir = temp_dir("export");
    let mut printed = Vec::new();
    let files = export_figures(&book_figures(), &dir, 1.0, None, |p| {
        printed.push(p.to_path_buf())
    })
    .unwrap();
    assert_eq!(files, printed);
    assert_eq!(files.len(), 2 * BOOK.len());
    for name in BOOK {
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(decode(&png).0, 1280, "{name}");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        check_svg(name, &svg);
    }
    // --only keeps the names with that prefix.
    let only = export_figures(&book_figures(), &dir, 1.0, Some("fig4-10"), |_| {}).unwrap();
    assert_eq!(only.len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_figures_command_writes_the_set_and_names_what_it_could_not_make() {
    let Some(exe) = option_env!("CARGO_BIN_EXE_dlfs") else {
        return; // built without the `cli` feature: no binary to run
    };
    let dir = temp_dir("cli");
    let no_data = temp_dir("no-mnist");
    std::fs::create_dir_all(&no_data).unwrap();
    let out = std::process::Command::new(exe)
        .args(["figures", "--scale", "0.5", "--out"])
        .arg(&dir)
        .arg("--data-dir")
        .arg(&no_data)
        .env("DLFS_DATA_DIR", &no_data)
        // No MNIST in a cache directory either: the MNIST figures must be skipped.
        .env("HOME", &no_data)
        .env("XDG_CACHE_HOME", &no_data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The figures asked for that need MNIST are not made: the command fails, after writing
    // the others.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for name in BOOK {
        for ext in ["png", "svg"] {
            let path = dir.join(format!("{name}.{ext}"));
            assert!(path.is_file(), "{} missing", path.display());
            assert!(
                stdout.lines().any(|l| l == path.display().to_string()),
                "{} not printed:\n{stdout}",
                path.display()
            );
        }
    }
    let png = std::fs::read(dir.join("fig4-3_log.png")).unwrap();
    assert_eq!(decode(&png).0, 640, "--scale 0.5");
    for name in [
        "fig4-11_loss",
        "fig4-12_accuracy",
        "mnist_digits",
        "mnist_predictions",
        "tlnet_weights",
    ] {
        assert!(
            stderr.contains(&format!("not made: {name}: needs MNIST, not found")),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&no_data).unwrap();
}

#[test]
fn mnist_figures_are_built_from_data_and_a_network() {
    use dlfs::prelude::{Labels, Mnist, TwoLayerNet};
    use dlfs::train::Trained;
    let (x, labels, _) = images();
    let mnist = Mnist {
        x_train: x.clone(),
        t_train: Labels::Labels(labels.clone().into()),
        x_test: x,
        t_test: Labels::Labels(labels.into()),
    };
    let trained = Trained {
        net: TwoLayerNet::new(784, 50, 10, 0.01).unwrap(),
        history: history(),
    };
    let figs = mnist_figures(&mnist, &trained).unwrap();
    let names: Vec<&str> = figs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, MNIST_FIGURE_NAMES);
    for (name, fig) in &figs {
        let (w, h, rgb) = decode(&fig.png_bytes().unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!((w, h), (1280, 720));
        assert!(ink_share(&rgb) > 0.02, "{name} is blank");
        check_svg(name, &fig.svg_string().unwrap());
    }
    // An untrained net gets most of the 24 wrong; the picture shows at most 12 of them.
    let title = figs[3].1.title_text().unwrap().to_string();
    assert!(title.contains("12 misclassified"), "{title}");

    let narrow = Mnist {
        x_train: Array2::zeros((2, 100)),
        ..mnist
    };
    // Images are rows (`Array2`), so only a wrong width can come in: the digits figure
    // says so when drawn.
    let figs = mnist_figures(&narrow, &trained).unwrap();
    let err = figs[2].1.png_bytes().unwrap_err().to_string();
    assert!(
        err.contains("784 columns") && err.contains("[2, 100]"),
        "{err}"
    );
}

#[test]
fn a_panic_while_drawing_becomes_an_error() {
    let fig = Figure::from_fn("boom", |_, _| panic!("this figure cannot be drawn"));
    let err = fig.png_bytes().unwrap_err().to_string();
    assert!(err.contains("this figure cannot be drawn"), "{err}");
    assert!(fig.svg_string().is_err());
    assert!(fig
        .evcxr_output()
        .starts_with("figure not drawn: plot: drawing failed"));
}
