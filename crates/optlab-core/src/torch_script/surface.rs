//! A surface's loss as torch operations on the 2-element parameter tensor (`loss_fn(p)`), in the
//! order optlab computes it, so the loss column agrees to the last bits; PyTorch's autograd
//! gives the gradient.

use std::fmt::Write as _;

use crate::expr::{BinOp, Expr, Func};
use crate::surface::Surface;

use super::python::float;
use super::refusal::Refusal;

/// Deepest formula tree the script writes: Python's parser refuses more than 200 nested
/// parentheses, and every node of the fully parenthesized formula adds one.
pub(super) const MAX_FORMULA_DEPTH: usize = 180;

/// `def loss_fn(p): …` for `surface`.
///
/// # Errors
/// A formula nested deeper than Python can parse.
pub(super) fn code(surface: &Surface) -> Result<String, Refusal> {
    let body = match surface {
        Surface::Quadratic { h, c } => {
            let s = format!("(0.5 * {} + 0.5 * {})", float(h.0.1), float(h.1.0));
            format!(
                "    s = {s}\n    hx = {} * x + s * y\n    hy = s * x + {} * y\n    \
                 return x * (0.5 * hx - {}) + y * (0.5 * hy - {})\n",
                float(h.0.0),
                float(h.1.1),
                float(c.0),
                float(c.1)
            )
        }
        Surface::TacoShell { condition, angle } => format!(
            "    sin = math.sin(math.radians({angle}))\n    cos = math.cos(math.radians({angle}))\n    \
             u = cos * x + sin * y\n    v = cos * y - sin * x\n    \
             return 0.5 * (u * u + {condition} * v * v)\n",
            angle = float(*angle),
            condition = float(*condition),
        ),
        Surface::Rosenbrock { a, b } => format!(
            "    d = {} - x\n    e = y - x * x\n    return d * d + {} * (e * e)\n",
            float(*a),
            float(*b)
        ),
        Surface::Beale => "    y2 = y * y\n    y3 = y2 * y\n    r1 = 1.5 - x + x * y\n    \
                           r2 = 2.25 - x + x * y2\n    r3 = 2.625 - x + x * y3\n    \
                           return r1 * r1 + r2 * r2 + r3 * r3\n"
            .to_owned(),
        Surface::Himmelblau => "    u = x * x + y - 11.0\n    v = x + y * y - 7.0\n    \
                                return u * u + v * v\n"
            .to_owned(),
        Surface::Rastrigin { a } => format!(
            "    return x * x + y * y + {} * ((1.0 - torch.cos(math.tau * x)) + (1.0 - torch.cos(math.tau * y)))\n",
            float(*a)
        ),
        Surface::SixHumpCamel => "    x2 = x * x\n    y2 = y * y\n    \
                                  return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2\n"
            .to_owned(),
        Surface::Saddle => "    y2 = y * y\n    return x * x + y2 * (0.5 * y2 - 1.0)\n".to_owned(),
        Surface::DoubleWell => {
            "    w = x * x - 1.0\n    return w * w + 0.3 * x + y * y\n".to_owned()
        }
        Surface::Expression(formula) => {
            check(surface)?;
            let mut text = String::new();
            let _ = writeln!(text, "    # {}", formula.text().replace('\n', " "));
            if has_variable(formula.expr()) {
                let _ = writeln!(text, "    return {}", expression(formula.expr()));
            } else {
                // A constant: a tensor that still depends on p, so autograd gives 0.
                let _ = writeln!(text, "    return {} + 0.0 * (x + y)", tensor(formula.expr()));
            }
            text
        }
    };
    Ok(format!(
        "\ndef loss_fn(p):\n    \"\"\"The surface's loss at p (2 numbers, any shape).\"\"\"\n    \
         x, y = p.reshape(2)[0], p.reshape(2)[1]\n{body}"
    ))
}

/// Refuses a formula nested deeper than Python can parse once fully parenthesized.
///
/// # Errors
/// The sentence saying so.
pub(super) fn check(surface: &Surface) -> Result<(), Refusal> {
    match surface {
        Surface::Expression(formula) if depth(formula.expr()) > MAX_FORMULA_DEPTH => {
            Err(Refusal(format!(
                "the formula is nested more than {MAX_FORMULA_DEPTH} levels deep, more than \
                 Python's parser takes once it is fully parenthesized"
            )))
        }
        _ => Ok(()),
    }
}

/// The formula tree as torch syntax, every operation in parentheses.
pub(super) fn expression(expr: &Expr) -> String {
    match expr {
        Expr::Num(v) => float(*v),
        Expr::X => "x".to_owned(),
        Expr::Y => "y".to_owned(),
        Expr::Neg(a) => format!("(-{})", expression(a)),
        Expr::Binary(op, a, b) => {
            let symbol = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::Pow => return power(a, b),
            };
            format!("({} {symbol} {})", expression(a), expression(b))
        }
        Expr::Call(func, a) => format!("torch.{}({})", function_name(*func), tensor(a)),
    }
}

/// `a^b`: a constant exponent as a number (torch squares and cubes by multiplication, as optlab
/// does for small integer powers), a variable one as `torch.pow` of two tensors.
fn power(base: &Expr, exponent: &Expr) -> String {
    match exponent {
        Expr::Num(n) => format!("({} ** {})", expression(base), float(*n)),
        _ => format!("torch.pow({}, {})", expression(base), tensor(exponent)),
    }
}

/// An expression that is a tensor even when it holds no variable (torch's functions take
/// tensors only).
fn tensor(expr: &Expr) -> String {
    if has_variable(expr) {
        expression(expr)
    } else {
        format!("torch.tensor({})", expression(expr))
    }
}

/// Whether x or y occurs in the tree.
fn has_variable(expr: &Expr) -> bool {
    match expr {
        Expr::Num(_) => false,
        Expr::X | Expr::Y => true,
        Expr::Neg(a) | Expr::Call(_, a) => has_variable(a),
        Expr::Binary(_, a, b) => has_variable(a) || has_variable(b),
    }
}

fn function_name(func: Func) -> &'static str {
    match func {
        Func::Sin => "sin",
        Func::Cos => "cos",
        Func::Tan => "tan",
        Func::Exp => "exp",
        Func::Log => "log",
        Func::Sqrt => "sqrt",
        Func::Abs => "abs",
        Func::Tanh => "tanh",
        Func::Floor => "floor",
    }
}

/// The depth of the tree (a leaf is 1).
fn depth(expr: &Expr) -> usize {
    match expr {
        Expr::Num(_) | Expr::X | Expr::Y => 1,
        Expr::Neg(a) | Expr::Call(_, a) => 1 + depth(a),
        Expr::Binary(_, a, b) => 1 + depth(a).max(depth(b)),
    }
}
