//! The figure of 4.3.1's step size: the error of numerical differentiation against h.

use dlfs_plot::{difference_errors, DifferenceErrors, BOOK_H};

/// sin at x = 1: f'' = -sin 1, f''' = -cos 1, neither is 0, so both errors form a V.
#[test]
fn errors_of_sin_form_two_vs_with_the_book_h_in_the_central_trough() {
    let d = DifferenceErrors::measure(f64::sin, 1.0, 1f64.cos()).unwrap();
    assert_eq!(d.h.len(), 161);
    assert!((d.h[0] - 1e-16).abs() < 1e-30 && (d.h[160] - 1.0).abs() < 1e-12);

    // Right arm: the truncation error of the forward difference is h |f''| / 2,
    // of the central one h² |f'''| / 6 (Taylor), checked at h = 1e-3.
    let (h, fwd, cen) = d.at(1e-3);
    let fwd_theory = h * 1f64.sin() / 2.0;
    let cen_theory = h * h * 1f64.cos() / 6.0;
    assert!(
        (fwd / fwd_theory - 1.0).abs() < 0.01,
        "{fwd} vs {fwd_theory}"
    );
    assert!(
        (cen / cen_theory - 1.0).abs() < 0.01,
        "{cen} vs {cen_theory}"
    );

    // Left arm: rounding, about eps |f| / h, so at h = 1e-13 the error is far above both minima.
    let (_, fwd_small, cen_small) = d.at(1e-13);

    // The bottoms of the Vs: forward near sqrt(eps) ~ 1e-8, central near eps^(1/3) ~ 1e-5.
    let (hf, ef) = d.best_forward();
    let (hc, ec) = d.best_central();
    assert!((1e-10..=1e-6).contains(&hf), "forward best at h = {hf}");
    assert!((1e-7..=1e-3).contains(&hc), "central best at h = {hc}");
    assert!(ec < ef, "central {ec} beats forward {ef}");
    assert!(fwd_small > 100.0 * ef && cen_small > 100.0 * ec);

    // The book's h = 1e-4: the central difference is within 1e-8 of cos 1, near its best.
    let (hb, fwd_b, cen_b) = d.at(BOOK_H);
    assert!((hb - 1e-4).abs() < 1e-16);
    assert!(cen_b < 1e-8, "{cen_b}");
    assert!((fwd_b / (1e-4 * 1f64.sin() / 2.0) - 1.0).abs() < 0.01);
}

/// For the book's quadratic the central difference has no truncation error: only rounding.
#[test]
fn a_quadratic_shows_no_truncation_in_the_central_difference() {
    let f = |x: f64| 0.01 * x * x + 0.1 * x;
    let d = DifferenceErrors::measure(f, 5.0, 0.2).unwrap();
    let (_, _, cen) = d.at(1e-1);
    assert!(cen < 1e-14, "{cen}");
    let (_, fwd, _) = d.at(1e-1);
    assert!(
        (fwd - 0.01 * 1e-1).abs() < 1e-12,
        "forward error 0.01 h: {fwd}"
    );
}

#[test]
fn the_figure_draws_and_bad_input_is_named() {
    let fig = difference_errors(f64::sin, 1.0, 1f64.cos(), "sin x at x = 1").size(640, 360);
    let png = fig.png_bytes().unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(fig.svg_string().unwrap().contains("the book"));

    let err = difference_errors(f64::sin, 1.0, f64::NAN, "sin")
        .png_bytes()
        .unwrap_err()
        .to_string();
    assert!(err.contains("f'(x) = NaN"), "{err}");
    let err = DifferenceErrors::measure(f64::ln, 0.0, 1.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not finite near x = 0"), "{err}");
}
