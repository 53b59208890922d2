//! Custom expression surfaces: parsing, errors, and automatic differentiation checked against
//! the built-in surfaces and known derivatives.

use optlab_core::expr::{Expr, parse};
use optlab_core::optim::OptimizerConfig;
use optlab_core::surface::Surface;
use proptest::prelude::*;

/// Whether `a` and `b` agree to `tol` relative (absolute when both are tiny).
fn close(a: f64, b: f64, tol: f64) -> bool {
    let scale = a.abs().max(b.abs()).max(1e-300);
    (a - b).abs() <= tol * scale || (a - b).abs() <= tol
}

fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(close(a, b, tol), "{what}: {a} vs {b}");
}

fn grid() -> Vec<[f64; 2]> {
    let coords = [-2.3, -1.7, -1.0, -0.4, 0.0, 0.3, 0.9, 1.0, 1.6, 2.2];
    coords.iter().flat_map(|&x| coords.iter().map(move |&y| [x, y])).collect()
}

fn assert_matches_surface(surface: &Surface, text: &str) {
    let expr = parse(text).unwrap();
    for p in grid() {
        let (v, g) = surface.value_and_gradient(p);
        let (ev, eg) = expr.value_and_gradient(p);
        let what = format!("{text} at {p:?}");
        assert_close(ev, v, 1e-12, &what);
        assert_close(expr.value(p[0], p[1]), v, 1e-12, &what);
        for i in 0..2 {
            assert_close(eg[i], g[i], 1e-12, &what);
        }
        let (h, eh) = (surface.hessian(p), expr.hessian(p));
        for i in 0..2 {
            for j in 0..2 {
                assert_close(eh[i][j], h[i][j], 1e-12, &what);
            }
        }
    }
}

#[test]
fn rosenbrock_matches_builtin() {
    let surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    assert_matches_surface(&surface, "(1 - x)^2 + 100*(y - x^2)^2");
}

#[test]
fn himmelblau_matches_builtin() {
    assert_matches_surface(&Surface::Himmelblau, "(x^2 + y - 11)^2 + (x + y^2 - 7)^2");
}

#[test]
fn beale_matches_builtin() {
    let text = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2";
    assert_matches_surface(&Surface::Beale, text);
}

fn adam_path(grad: impl Fn([f64; 2]) -> [f64; 2]) -> [f64; 2] {
    let config = OptimizerConfig::Adam {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        bias_correction: true,
        amsgrad: false,
        weight_decay: 0.0,
    };
    let mut opt = config.build(2);
    let mut params = [-1.2, 1.0];
    for _ in 0..200 {
        let g = grad(params);
        opt.step(&mut params, &g, 0.01);
    }
    params
}

#[test]
fn adam_on_expression_follows_builtin_rosenbrock() {
    let expr = parse("(1 - x)^2 + 100*(y - x^2)^2").unwrap();
    let surface = Surface::Rosenbrock { a: 1.0, b: 100.0 };
    let from_expr = adam_path(|p| expr.value_and_gradient(p).1);
    let from_surface = adam_path(|p| surface.value_and_gradient(p).1);
    assert!((from_expr[0] + 1.2).abs() > 1e-3, "Adam did not move: {from_expr:?}");
    for i in 0..2 {
        assert_close(from_expr[i], from_surface[i], 1e-9, "Adam after 200 steps");
    }
}

fn error(text: &str) -> (usize, String) {
    let err = parse(text).unwrap_err();
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("column {}: ", err.position + 1)), "{shown}");
    (err.position + 1, err.message)
}

#[test]
fn errors_have_precise_columns_and_clear_messages() {
    let (col, msg) = error("x + * y");
    assert_eq!(col, 5, "{msg}");
    assert!(msg.contains("'*'"), "{msg}");

    let (col, msg) = error("sin(x");
    assert_eq!(col, 6, "{msg}");
    assert!(msg.contains("missing closing parenthesis"), "{msg}");

    let (col, msg) = error("foo(x)");
    assert_eq!(col, 1);
    assert!(msg.contains("unknown function 'foo'") && msg.contains("sqrt"), "{msg}");

    let (col, msg) = error("2*bar + 1");
    assert_eq!(col, 3);
    assert!(msg.contains("unknown variable 'bar'") && msg.contains("pi"), "{msg}");

    let (col, msg) = error("");
    assert_eq!(col, 1);
    assert!(msg.contains("empty input"), "{msg}");
    assert!(error("   ").1.contains("empty input"));

    let (col, msg) = error("x $ y");
    assert_eq!(col, 3);
    assert!(msg.contains("unexpected character '$'"), "{msg}");

    let (col, msg) = error("x y");
    assert_eq!(col, 3);
    assert!(msg.contains("'y'") && msg.contains("operator"), "{msg}");

    let (col, msg) = error("(x + y))");
    assert_eq!(col, 8);
    assert!(msg.contains("unmatched"), "{msg}");

    assert_eq!(error("x +").0, 4);
    assert_eq!(error("sin x").0, 5);
    assert_eq!(error("1e999").0, 1);
    // Characters, not bytes: 'é' is two bytes.
    assert_eq!(error("é + x").0, 1);
    assert_eq!(error("x + é").0, 5);
    // The first problem in reading order wins.
    assert_eq!(error("x + * $").0, 5);
}

#[test]
fn nesting_is_capped_without_overflowing_the_stack() {
    let ok = format!("{}x{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(parse(&ok).unwrap(), Expr::X);

    // Deeper than the caps but within the length limit, so the caps themselves refuse them.
    for text in [
        format!("{}x{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}x", "-".repeat(1000)),
        format!("{}x", "x^".repeat(1000)),
        format!("{}x{}", "sin(".repeat(500), ")".repeat(500)),
        "x+".repeat(1500) + "x",
        "x*".repeat(1500) + "x",
    ] {
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("too"), "{}", err.message);
        assert!(!err.message.contains("characters"), "{}", err.message);
    }
}

#[test]
fn a_formula_over_the_length_limit_is_refused_before_it_is_read() {
    use optlab_core::expr::MAX_FORMULA_CHARS;
    // A balanced sum of 2^18 products: 1.6 million characters, a shallow tree.
    fn balanced(depth: u32) -> String {
        if depth == 0 {
            "x*y".to_owned()
        } else {
            format!("({}+{})", balanced(depth - 1), balanced(depth - 1))
        }
    }
    let fits = balanced(18);
    assert!(fits.len() > 1_500_000 && fits.len() <= MAX_FORMULA_CHARS);
    parse(&fits).expect("a long formula within the limit parses");
    let too_long = "(".to_owned() + &"x+".repeat(10) + "x)*" + &"y".repeat(MAX_FORMULA_CHARS);
    let err = parse(&too_long).unwrap_err();
    assert_eq!(err.position, MAX_FORMULA_CHARS, "{}", err.message);
    let message = format!(
        "the formula is too long (more than {MAX_FORMULA_CHARS} characters); write a shorter one"
    );
    assert_eq!(err.to_string(), format!("column {}: {message}", MAX_FORMULA_CHARS + 1));
    // A notebook quotes the start of a refused formula, not all of it.
    let error = optlab_core::expr::Formula::try_from("x+".repeat(MAX_FORMULA_CHARS)).unwrap_err();
    assert_eq!(
        error,
        format!("formula `{}…`: column {}: {message}", "x+".repeat(30), MAX_FORMULA_CHARS + 1)
    );
}

#[test]
#[expect(clippy::float_cmp, reason = "these values are exact in binary floating point")]
fn grammar_precedence_and_constants() {
    let at = |text: &str, x: f64, y: f64| parse(text).unwrap().value(x, y);
    assert_eq!(at("-x^2", 3.0, 0.0), -9.0);
    assert_eq!(at("2^3^2", 0.0, 0.0), 512.0);
    assert_eq!(at("2^-1", 0.0, 0.0), 0.5);
    assert_eq!(at("1 + 2*3 - 4/2", 0.0, 0.0), 5.0);
    assert_eq!(at("x - y - 1", 5.0, 2.0), 2.0);
    assert_eq!(at("(x + y)*2", 1.0, 2.0), 6.0);
    assert_eq!(at("pi", 0.0, 0.0), std::f64::consts::PI);
    assert_eq!(at("e", 0.0, 0.0), std::f64::consts::E);
    assert_eq!(at("2.5e1 + 1e-3*0 + .5", 0.0, 0.0), 25.5);
    assert_eq!(at("abs(x) + sqrt(y) + log(exp(2))", -3.0, 4.0), 7.0);
    assert_eq!(at("tanh(0) + tan(0) + cos(0)", 0.0, 0.0), 1.0);
}

#[test]
#[expect(clippy::float_cmp, reason = "symmetry and the zero are exact by construction")]
fn known_derivatives() {
    let (x, y) = (0.7, -0.3);
    let f = parse("sin(x)*exp(y)").unwrap();
    let (v, g) = f.value_and_gradient([x, y]);
    assert_close(v, x.sin() * y.exp(), 1e-15, "value");
    assert_close(g[0], x.cos() * y.exp(), 1e-15, "df/dx");
    assert_close(g[1], x.sin() * y.exp(), 1e-15, "df/dy");
    let h = f.hessian([x, y]);
    assert_close(h[0][0], -x.sin() * y.exp(), 1e-15, "fxx");
    assert_close(h[0][1], x.cos() * y.exp(), 1e-15, "fxy");
    assert_eq!(h[0][1], h[1][0]);

    let (x, y) = (-1.5, 2.0);
    let f = parse("x^3*y").unwrap();
    let h = f.hessian([x, y]);
    assert_close(h[0][0], 6.0 * x * y, 1e-15, "fxx");
    assert_close(h[0][1], 3.0 * x * x, 1e-15, "fxy");
    assert_close(h[1][0], 3.0 * x * x, 1e-15, "fyx");
    assert_eq!(h[1][1], 0.0);
}

#[test]
fn quotient_power_and_abs_derivatives() {
    let (x, y) = (1.3, 0.6);
    // x^y = exp(y ln x): d/dx = y x^(y-1), d/dy = x^y ln x, d²/dxdy = x^(y-1)(1 + y ln x).
    let f = parse("x^y").unwrap();
    let (v, g) = f.value_and_gradient([x, y]);
    assert_close(v, x.powf(y), 1e-14, "x^y");
    assert_close(g[0], y * x.powf(y - 1.0), 1e-14, "d/dx x^y");
    assert_close(g[1], x.powf(y) * x.ln(), 1e-14, "d/dy x^y");
    let h = f.hessian([x, y]);
    assert_close(h[0][1], x.powf(y - 1.0) * (1.0 + y * x.ln()), 1e-14, "x^y mixed");
    assert_close(h[1][1], x.powf(y) * x.ln() * x.ln(), 1e-14, "x^y yy");

    // 1/(x*y): Hessian [[2/(x³y), 1/(x²y²)], [·, 2/(xy³)]].
    let h = parse("1/(x*y)").unwrap().hessian([x, y]);
    assert_close(h[0][0], 2.0 / (x * x * x * y), 1e-14, "xx");
    assert_close(h[0][1], 1.0 / (x * x * y * y), 1e-14, "xy");
    assert_close(h[1][1], 2.0 / (x * y * y * y), 1e-14, "yy");

    // A constant exponent works for a negative base.
    let (v, g) = parse("x^2").unwrap().value_and_gradient([-3.0, 0.0]);
    assert_eq!((v, g), (9.0, [-6.0, 0.0]));
    assert_eq!(parse("abs(x)").unwrap().value_and_gradient([-2.0, 1.0]), (2.0, [-1.0, 0.0]));

    // Outside the domain: NaN or infinity, never a panic.
    assert!(parse("sqrt(x)").unwrap().value(-1.0, 0.0).is_nan());
    assert!(parse("log(x)").unwrap().hessian([0.0, 0.0])[0][0].is_infinite());
}

const TOKENS: &[&str] = &[
    "x", "y", "pi", "e", "1", "2.5", "1e-3", "0", "+", "-", "*", "/", "^", "(", ")", "sin", "cos",
    "tan", "exp", "log", "sqrt", "abs", "tanh", "sin(", " ", "foo", "$", ".", "1e", "é",
];

fn exercise(text: &str) {
    if let Ok(expr) = parse(text) {
        for p in [[0.0, 0.0], [-1.5, 2.0], [3.0, -0.5]] {
            let _ = expr.value(p[0], p[1]);
            let _ = expr.value_and_gradient(p);
            let _ = expr.hessian(p);
        }
    } else if let Err(err) = parse(text) {
        assert!(err.position <= text.chars().count());
        assert!(!err.message.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
        exercise(&tokens.concat());
    }
}
