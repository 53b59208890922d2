//! Loss surfaces: analytic derivatives against finite differences, the listed minima and
//! saddles, and the RON form users type.

use optlab_core::surface::{MinimumKind, Point, Surface};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random points per surface for the derivative checks.
const SAMPLES: usize = 50;

/// The catalogue plus non-default parameterizations.
fn all_surfaces() -> Vec<Surface> {
    let mut surfaces = Surface::catalogue();
    surfaces.extend([
        Surface::TacoShell { condition: 100.0, angle: 17.0 },
        Surface::Rosenbrock { a: 2.0, b: 5.0 },
        Surface::Quadratic { h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0) },
        Surface::Quadratic { h: ((1.0, 2.0), (2.0, -1.0)), c: (0.5, 1.0) },
        Surface::Rastrigin { a: 3.0 },
    ]);
    surfaces
}

fn random_points(surface: &Surface, seed: u64) -> Vec<Point> {
    let view = surface.view_box();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..SAMPLES)
        .map(|_| {
            [rng.random_range(view.x_min..view.x_max), rng.random_range(view.y_min..view.y_max)]
        })
        .collect()
}

/// Central differences of the vector function `f` along coordinate `axis` at `p`.
fn central_difference(f: impl Fn(Point) -> Point, p: Point, axis: usize) -> Point {
    let h = 1e-6 * p[axis].abs().max(1.0);
    let (mut forward, mut backward) = (p, p);
    forward[axis] += h;
    backward[axis] -= h;
    let (up, down) = (f(forward), f(backward));
    // The actual step, after rounding of p ± h.
    let step = forward[axis] - backward[axis];
    [(up[0] - down[0]) / step, (up[1] - down[1]) / step]
}

/// |approx − exact| small relative to the size of the derivatives at that point.
fn assert_close(exact: f64, approx: f64, scale: f64, what: &str) {
    let error = (exact - approx).abs() / scale.max(1.0);
    assert!(
        error < 1e-6,
        "{what}: analytic {exact} vs numeric {approx} (relative error {error:e})"
    );
}

fn eigenvalues(m: [[f64; 2]; 2]) -> (f64, f64) {
    let mean = 0.5 * (m[0][0] + m[1][1]);
    let radius = (0.5 * (m[0][0] - m[1][1])).hypot(m[0][1]);
    (mean - radius, mean + radius)
}

#[test]
fn gradient_matches_central_differences() {
    for (seed, surface) in (0_u64..).zip(all_surfaces()) {
        for p in random_points(&surface, seed) {
            let g = surface.gradient(p);
            let scale = g[0].hypot(g[1]);
            for (axis, &exact) in g.iter().enumerate() {
                let numeric = central_difference(|q| [surface.value(q), 0.0], p, axis)[0];
                assert_close(exact, numeric, scale, &format!("{surface:?} ∂f/∂x{axis} at {p:?}"));
            }
        }
    }
}

#[test]
fn hessian_matches_central_differences_and_is_symmetric() {
    for (seed, surface) in (100_u64..).zip(all_surfaces()) {
        for p in random_points(&surface, seed) {
            let h = surface.hessian(p);
            assert!(
                h[0][1].to_bits() == h[1][0].to_bits(),
                "{surface:?}: asymmetric Hessian at {p:?}"
            );
            let scale = h[0][0].abs() + h[0][1].abs() + h[1][1].abs();
            // numeric[axis][row] = ∂g_row/∂x_axis
            let numeric = [0, 1].map(|axis| central_difference(|q| surface.gradient(q), p, axis));
            for (row, exact_row) in h.iter().enumerate() {
                for (axis, &exact) in exact_row.iter().enumerate() {
                    let what = format!("{surface:?} H[{row}][{axis}] at {p:?}");
                    assert_close(exact, numeric[axis][row], scale, &what);
                }
            }
        }
    }
}

#[test]
fn value_and_gradient_equals_value_and_gradient_separately() {
    for (seed, surface) in (200_u64..).zip(all_surfaces()) {
        for p in random_points(&surface, seed) {
            let (value, gradient) = surface.value_and_gradient(p);
            assert_eq!(value.to_bits(), surface.value(p).to_bits(), "{surface:?} at {p:?}");
            assert_eq!(gradient.map(f64::to_bits), surface.gradient(p).map(f64::to_bits));
        }
    }
}

#[test]
fn minima_are_stationary_positive_definite_and_in_view() {
    for surface in all_surfaces() {
        let view = surface.view_box();
        let minima = surface.minima();
        // Only an indefinite quadratic (tested separately) has no minimum.
        let indefinite = matches!(surface, Surface::Quadratic { .. }) && minima.is_empty();
        // A typed formula's minima are unknown by design.
        let typed = matches!(surface, Surface::Expression(_));
        assert!(!minima.is_empty() || indefinite || typed, "{surface:?} lists no minimum");
        assert!(view.contains(surface.default_start()), "{surface:?}: start outside the view");
        let lowest = minima.iter().map(|m| m.value).fold(f64::INFINITY, f64::min);
        for m in &minima {
            let g = surface.gradient(m.position);
            assert!(g[0].hypot(g[1]) < 1e-9, "{surface:?}: gradient {g:?} at minimum {m:?}");
            let (small, _) = eigenvalues(surface.hessian(m.position));
            assert!(small > 0.0, "{surface:?}: Hessian not positive definite at {m:?}");
            assert_eq!(m.value.to_bits(), surface.value(m.position).to_bits());
            assert!(view.contains(m.position), "{surface:?}: minimum {m:?} outside {view:?}");
            if m.kind == MinimumKind::Global {
                assert!(m.value <= lowest + 1e-12, "{surface:?}: global {m:?} is not the lowest");
            } else {
                assert!(
                    m.value > lowest + 1e-9,
                    "{surface:?}: local {m:?} is as low as the global"
                );
            }
        }
    }
}

#[test]
#[expect(clippy::float_cmp, reason = "these minima are exact by construction")]
fn known_minimum_counts() {
    let count = |s: Surface, kind| s.minima().iter().filter(|m| m.kind == kind).count();
    assert_eq!(count(Surface::SixHumpCamel, MinimumKind::Global), 2);
    assert_eq!(count(Surface::SixHumpCamel, MinimumKind::Local), 4);
    assert_eq!(count(Surface::Himmelblau, MinimumKind::Global), 4);
    assert_eq!(count(Surface::DoubleWell, MinimumKind::Global), 1);
    assert_eq!(count(Surface::DoubleWell, MinimumKind::Local), 1);
    assert_eq!(count(Surface::Rastrigin { a: 10.0 }, MinimumKind::Global), 1);
    assert_eq!(count(Surface::Rastrigin { a: 10.0 }, MinimumKind::Local), 120);
    let rastrigin = Surface::Rastrigin { a: 10.0 }.minima();
    assert_eq!(rastrigin[0].position, [0.0, 0.0]);
    let beale = Surface::Beale.minima();
    assert_eq!(beale[0].position, [3.0, 0.5]);
    let camel = Surface::SixHumpCamel.minima();
    let global = camel.iter().find(|m| m.kind == MinimumKind::Global).map(|m| m.value);
    assert!(global.is_some_and(|v| (v + 1.031_628_453_489_877).abs() < 1e-12), "{global:?}");
    // An indefinite quadratic has no minimum but a saddle at H⁻¹c.
    let indefinite = Surface::Quadratic { h: ((1.0, 0.0), (0.0, -1.0)), c: (1.0, 1.0) };
    assert!(indefinite.minima().is_empty());
    assert_eq!(indefinite.saddle_points(), vec![[1.0, -1.0]]);
}

#[test]
fn saddle_points_are_stationary_and_indefinite() {
    for surface in all_surfaces() {
        for p in surface.saddle_points() {
            let g = surface.gradient(p);
            assert!(g[0].hypot(g[1]) < 1e-9, "{surface:?}: gradient {g:?} at saddle {p:?}");
            let (small, large) = eigenvalues(surface.hessian(p));
            assert!(small < 0.0 && large > 0.0, "{surface:?}: {p:?} is no saddle");
            assert!(surface.view_box().contains(p), "{surface:?}: saddle {p:?} outside view");
        }
    }
}

#[test]
#[expect(clippy::float_cmp, reason = "the origin is exactly stationary")]
fn saddle_has_one_rising_and_one_falling_direction_at_the_origin() {
    let saddle = Surface::Saddle;
    assert_eq!(saddle.gradient([0.0, 0.0]), [0.0, 0.0]);
    let (small, large) = eigenvalues(saddle.hessian([0.0, 0.0]));
    assert!(small < 0.0 && large > 0.0);
    assert_eq!(saddle.saddle_points(), vec![[0.0, 0.0]]);
}

#[test]
fn taco_shell_eigenvalues_and_valley_direction() {
    for (condition, angle) in [(10.0, 30.0), (100.0_f64, 17.0_f64), (1e6, -120.0)] {
        let taco = Surface::TacoShell { condition, angle };
        let h = taco.hessian([0.3, -0.7]);
        let (small, large) = eigenvalues(h);
        assert!((small - 1.0).abs() < 1e-9 * condition, "{small}");
        assert!((large - condition).abs() < 1e-9 * condition, "{large}");
        // (H − condition·I) maps everything onto the eigenvalue-1 eigenvector's line.
        let direction = [h[0][0] - condition, h[1][0]];
        let (sin, cos) = angle.to_radians().sin_cos();
        let cross = direction[0] * sin - direction[1] * cos;
        assert!(cross.abs() < 1e-9 * direction[0].hypot(direction[1]), "{condition} {angle}");
        assert!(taco.value([0.0, 0.0]) == 0.0);
    }
}

#[test]
fn every_catalogue_entry_has_text_and_is_valid() {
    for surface in all_surfaces() {
        assert!(!surface.name().is_empty());
        assert!(!surface.formula().is_empty());
        assert_eq!(surface.validate(), Ok(()), "{surface:?}");
    }
    assert_eq!(Surface::default(), Surface::TacoShell { condition: 10.0, angle: 30.0 });
    assert_eq!(Surface::Rosenbrock { a: 1.0, b: 100.0 }.formula(), "(1 − x)² + 100(y − x²)²");
}

#[test]
fn validate_refuses_out_of_range_and_asymmetric_parameters() {
    let bad_b = Surface::Rosenbrock { a: 1.0, b: -1.0 }.validate().unwrap_err();
    assert_eq!(bad_b.limit.name, "b");
    assert!(Surface::TacoShell { condition: 0.5, angle: 0.0 }.validate().is_err());
    assert!(Surface::Rastrigin { a: f64::NAN }.validate().is_err());
    let asymmetric = Surface::Quadratic { h: ((1.0, 0.5), (0.4, 1.0)), c: (0.0, 0.0) };
    let message = asymmetric.validate().unwrap_err().to_string();
    assert!(message.contains("h21") && message.contains("h12"), "{message}");
}

#[test]
fn ron_round_trips_every_surface() {
    for surface in all_surfaces() {
        let text = ron::to_string(&surface).expect("serializes");
        let back: Surface = ron::from_str(&text).expect("parses its own output");
        assert_eq!(back, surface, "{text}");
    }
}

#[test]
fn ron_forms_users_type() {
    let parse = |text: &str| ron::from_str::<Surface>(text);
    let rosenbrock = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    assert_eq!(parse("Rosenbrock()"), Ok(rosenbrock.clone()));
    assert_eq!(parse("Rosenbrock(a: 1.0, b: 100.0)"), Ok(rosenbrock.clone()));
    assert_eq!(parse("Rosenbrock(a: 1, b: 100)"), Ok(rosenbrock));
    assert_eq!(
        parse("TacoShell(condition: 50.0, angle: 30.0)"),
        Ok(Surface::TacoShell { condition: 50.0, angle: 30.0 })
    );
    assert_eq!(
        parse("Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))"),
        Ok(Surface::Quadratic { h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0) })
    );
    assert_eq!(parse("Quadratic()"), Ok(Surface::catalogue()[0].clone()));
    assert_eq!(parse("Beale"), Ok(Surface::Beale));
    assert_eq!(parse("Saddle"), Ok(Surface::Saddle));
}

#[test]
fn ron_refuses_bad_values_with_a_position() {
    let error = ron::from_str::<Surface>("Rosenbrock(a: 1.0, b: -1.0)").unwrap_err();
    let message = error.to_string();
    assert!(message.contains("`b`") && message.contains("[0, +inf)"), "{message}");
    // The span covers the offending value `-1.0`, line 1 column 23.
    assert_eq!((error.span.start.line, error.span.start.col), (1, 23), "{message}");
    assert!(ron::from_str::<Surface>("Rosenbrock(q: 1.0)").is_err());
    assert!(ron::from_str::<Surface>("Banana").is_err());
    assert!(ron::from_str::<Surface>("TacoShell(condition: 0.5)").is_err());
    let asymmetric = ron::from_str::<Surface>("Quadratic(h: ((1.0, 0.5), (0.4, 1.0)))");
    assert!(asymmetric.is_err_and(|e| e.to_string().contains("h21")));
}

proptest! {
    #[test]
    fn value_and_gradient_never_panics(x in any::<f64>(), y in any::<f64>()) {
        for surface in Surface::catalogue() {
            let _ = surface.value_and_gradient([x, y]);
        }
    }

    #[test]
    fn value_and_gradient_is_a_number_near_the_origin(x in -1e3..1e3_f64, y in -1e3..1e3_f64) {
        for surface in all_surfaces() {
            let (value, gradient) = surface.value_and_gradient([x, y]);
            prop_assert!(!value.is_nan() && !gradient[0].is_nan() && !gradient[1].is_nan(),
                "{:?} at ({}, {})", surface, x, y);
        }
    }
}

#[test]
fn the_gradient_check_agrees_on_every_surface_and_catches_a_wrong_gradient() {
    for surface in Surface::catalogue() {
        let view = surface.view_box();
        for (i, j) in [(1, 2), (3, 1), (2, 3)] {
            let p = [
                view.x_min + view.width() * f64::from(i) / 4.0,
                view.y_min + view.height() * f64::from(j) / 4.0,
            ];
            let check = surface.gradient_check(p);
            assert!(check.agrees(), "{surface:?} at {p:?}: {check:?}");
        }
    }
    // A check that cannot fail is no check: compare a surface's numeric gradient with another
    // surface's analytic one.
    let p = [0.3, -0.7];
    let himmelblau = Surface::Himmelblau.gradient_check(p);
    let beale = Surface::Beale.gradient(p);
    let error = (0..2)
        .map(|i| {
            (beale[i] - himmelblau.numeric[i]).abs()
                / (beale[i].abs() + himmelblau.numeric[i].abs())
        })
        .fold(0.0, f64::max);
    assert!(error > 0.1, "{error}");
}

#[test]
fn a_gradient_check_where_the_formula_is_undefined_never_agrees() {
    let formula = optlab_core::expr::Formula::new("log(x) + y^2").expect("parses");
    let surface = optlab_core::surface::Surface::Expression(formula);
    let undefined = surface.gradient_check([-2.0, 0.0]);
    assert!(!undefined.defined());
    assert!(!undefined.agrees(), "{undefined:?}");
    let defined = surface.gradient_check([2.0, 0.5]);
    assert!(defined.defined() && defined.agrees(), "{defined:?}");
}
