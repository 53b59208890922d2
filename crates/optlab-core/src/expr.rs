//! User-written formulas f(x, y): the numerical core of custom "Expression" surfaces.
//!
//! [`parse`] turns text such as `(1 - x)^2 + 100*(y - x^2)^2` into an [`Expr`] tree, with
//! errors that name a precise column. An [`Expr`] evaluates its value, and its gradient and
//! Hessian by forward-mode automatic differentiation: every node is evaluated on a
//! second-order dual number (value, gradient, Hessian), propagated by the chain rule, so the
//! derivatives are exact up to rounding, not finite differences.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := '-' unary | power
//! power   := primary ('^' unary)?          right-associative; -x^2 = -(x^2)
//! primary := number | 'x' | 'y' | 'pi' | 'e' | function '(' expr ')' | '(' expr ')'
//! ```

use std::f64::consts::{E, PI};
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::Arc;

/// Deepest allowed nesting of parentheses, function calls, unary minus signs and powers.
pub const MAX_NESTING: usize = 256;

/// Deepest allowed expression tree (long chains such as `x + x + … + x` count here).
pub const MAX_TREE_DEPTH: usize = 1024;

/// Longest formula, in characters (2 Mi): far above any formula written by hand or generated
/// for a lab, short enough that parsing it takes a few hundred megabytes at most. A step on a
/// long formula costs in proportion to its length, so the number of steps it may run is limited
/// by [`crate::run::steps_within_a_day`], and grids of it by the memory budget.
pub const MAX_FORMULA_CHARS: usize = 2 * 1024 * 1024;

/// The functions a formula may call, as written.
pub const FUNCTION_NAMES: [&str; 8] = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh"];

/// The variables and constants a formula may use, as written.
pub const VARIABLE_NAMES: [&str; 4] = ["x", "y", "pi", "e"];

// ---------------------------------------------------------------------------------------------
// Errors

/// A parse error: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// 0-based character (not byte) offset of the problem in the input.
    pub position: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl ExprError {
    fn new(position: usize, message: impl Into<String>) -> Self {
        Self { position, message: message.into() }
    }
}

impl fmt::Display for ExprError {
    /// `column N: message`, with N 1-based.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for ExprError {}

// ---------------------------------------------------------------------------------------------
// The tree

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b`.
    Pow,
}

/// A built-in function of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `sin`.
    Sin,
    /// `cos`.
    Cos,
    /// `tan`.
    Tan,
    /// `exp`.
    Exp,
    /// `log`, the natural logarithm.
    Log,
    /// `sqrt`.
    Sqrt,
    /// `abs`; its derivative is sign(u) (0 at 0).
    Abs,
    /// `tanh`.
    Tanh,
    /// `floor`, only in a schedule's formula in t (see [`parse_in_t`]); its derivative is 0.
    Floor,
}

impl Func {
    /// The function called `name`, if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let all = [
            Self::Sin,
            Self::Cos,
            Self::Tan,
            Self::Exp,
            Self::Log,
            Self::Sqrt,
            Self::Abs,
            Self::Tanh,
        ];
        FUNCTION_NAMES.iter().position(|&n| n == name).map(|i| all[i])
    }

    /// The function's value at `u`.
    #[must_use]
    pub fn value(self, u: f64) -> f64 {
        match self {
            Self::Sin => u.sin(),
            Self::Cos => u.cos(),
            Self::Tan => u.tan(),
            Self::Exp => u.exp(),
            Self::Log => u.ln(),
            Self::Sqrt => u.sqrt(),
            Self::Abs => u.abs(),
            Self::Tanh => u.tanh(),
            Self::Floor => u.floor(),
        }
    }

    /// The function's value, first and second derivative at `u`.
    fn derivatives(self, u: f64) -> (f64, f64, f64) {
        let f = self.value(u);
        match self {
            Self::Sin => (f, u.cos(), -f),
            Self::Cos => (f, -u.sin(), -f),
            Self::Tan => (f, 1.0 + f * f, 2.0 * f * (1.0 + f * f)),
            Self::Exp => (f, f, f),
            Self::Log => (f, 1.0 / u, -1.0 / (u * u)),
            Self::Sqrt => (f, 0.5 / f, -0.25 / (u * f)),
            Self::Abs => (f, if u == 0.0 { 0.0 } else { u.signum() }, 0.0),
            Self::Tanh => (f, 1.0 - f * f, -2.0 * f * (1.0 - f * f)),
            Self::Floor => (f, 0.0, 0.0),
        }
    }
}

/// A parsed formula f(x, y).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number; `pi` and `e` are stored as their values.
    Num(f64),
    /// The variable `x`.
    X,
    /// The variable `y`.
    Y,
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A function call.
    Call(Func, Box<Expr>),
}

impl Expr {
    /// f(x, y).
    #[must_use]
    pub fn value(&self, x: f64, y: f64) -> f64 {
        match self {
            Self::Num(v) => *v,
            Self::X => x,
            Self::Y => y,
            Self::Neg(a) => -a.value(x, y),
            Self::Call(func, a) => func.value(a.value(x, y)),
            Self::Binary(op, a, b) => {
                let (a, b) = (a.value(x, y), b.value(x, y));
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    BinOp::Pow => pow_value(a, b),
                }
            }
        }
    }

    /// f(p) and ∇f(p), by automatic differentiation.
    #[must_use]
    pub fn value_and_gradient(&self, p: [f64; 2]) -> (f64, [f64; 2]) {
        let d = self.dual(p);
        (d.v, d.g)
    }

    /// The Hessian ∇²f(p), row-major, by automatic differentiation.
    #[must_use]
    pub fn hessian(&self, p: [f64; 2]) -> [[f64; 2]; 2] {
        self.dual(p).h
    }

    /// Evaluates the tree on second-order dual numbers seeded with x and y.
    fn dual(&self, p: [f64; 2]) -> Dual {
        match self {
            Self::Num(v) => Dual::constant(*v),
            Self::X => Dual::variable(p[0], 0),
            Self::Y => Dual::variable(p[1], 1),
            Self::Neg(a) => -a.dual(p),
            Self::Call(func, a) => {
                let u = a.dual(p);
                let (f0, f1, f2) = func.derivatives(u.v);
                u.chain(f0, f1, f2)
            }
            Self::Binary(op, a, b) => {
                let (a, b) = (a.dual(p), b.dual(p));
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    BinOp::Pow => a.pow(b),
                }
            }
        }
    }
}

/// u^n; small integer powers by multiplication (so `x^2` is exactly `x*x`), others by `powf`.
fn pow_value(u: f64, n: f64) -> f64 {
    if n.fract() == 0.0 && n.abs() <= 64.0 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "n is an integer with |n| <= 64, so the cast is exact"
        )]
        let k = n as i32;
        u.powi(k)
    } else {
        u.powf(n)
    }
}

/// `coef * deriv`, but exactly 0 when the derivative is 0 (a constant stays constant even
/// where `coef` is infinite, e.g. `sqrt(0)` times a zero derivative).
fn times(coef: f64, deriv: f64) -> f64 {
    if deriv == 0.0 { 0.0 } else { coef * deriv }
}

// ---------------------------------------------------------------------------------------------
// Second-order forward-mode dual numbers

/// A value with its gradient and Hessian with respect to (x, y).
#[derive(Clone, Copy, Debug)]
struct Dual {
    /// The value.
    v: f64,
    /// The gradient.
    g: [f64; 2],
    /// The Hessian (symmetric).
    h: [[f64; 2]; 2],
}

impl Dual {
    fn constant(v: f64) -> Self {
        Self { v, g: [0.0; 2], h: [[0.0; 2]; 2] }
    }

    fn variable(v: f64, k: usize) -> Self {
        let mut g = [0.0; 2];
        g[k] = 1.0;
        Self { v, g, h: [[0.0; 2]; 2] }
    }

    /// Whether the gradient and Hessian are exactly zero here.
    fn is_constant(&self) -> bool {
        self.g.iter().chain(self.h.iter().flatten()).all(|&d| d == 0.0)
    }

    /// f(self) given f, f′ and f″ at `self.v`: ∇f = f′∇u, ∇²f = f″∇u∇uᵀ + f′∇²u.
    fn chain(self, f0: f64, f1: f64, f2: f64) -> Self {
        let g = self.g.map(|gi| times(f1, gi));
        let h = outer(|i, j| times(f2, self.g[i] * self.g[j]) + times(f1, self.h[i][j]));
        Self { v: f0, g, h }
    }

    /// self^e: the power rule n·u^(n−1) when the exponent is constant (so `x^2` works at
    /// x < 0), exp(e·ln u) otherwise.
    fn pow(self, e: Self) -> Self {
        let value = pow_value(self.v, e.v);
        if e.is_constant() {
            let n = e.v;
            let f1 = times(pow_value(self.v, n - 1.0), n);
            let f2 = times(pow_value(self.v, n - 2.0), n * (n - 1.0));
            self.chain(value, f1, f2)
        } else {
            let (f0, f1, f2) = Func::Log.derivatives(self.v);
            let exponent = e * self.chain(f0, f1, f2);
            exponent.chain(value, value, value)
        }
    }
}

/// The 2×2 matrix with entries `f(i, j)`.
fn outer(f: impl Fn(usize, usize) -> f64) -> [[f64; 2]; 2] {
    [[f(0, 0), f(0, 1)], [f(1, 0), f(1, 1)]]
}

impl Add for Dual {
    type Output = Self;
    fn add(self, b: Self) -> Self {
        let g = [self.g[0] + b.g[0], self.g[1] + b.g[1]];
        Self { v: self.v + b.v, g, h: outer(|i, j| self.h[i][j] + b.h[i][j]) }
    }
}

impl Sub for Dual {
    type Output = Self;
    fn sub(self, b: Self) -> Self {
        let g = [self.g[0] - b.g[0], self.g[1] - b.g[1]];
        Self { v: self.v - b.v, g, h: outer(|i, j| self.h[i][j] - b.h[i][j]) }
    }
}

impl Neg for Dual {
    type Output = Self;
    fn neg(self) -> Self {
        Self { v: -self.v, g: self.g.map(Neg::neg), h: self.h.map(|row| row.map(Neg::neg)) }
    }
}

impl Mul for Dual {
    type Output = Self;
    fn mul(self, b: Self) -> Self {
        product(self, b)
    }
}

impl Div for Dual {
    type Output = Self;
    fn div(self, b: Self) -> Self {
        quotient(self, b)
    }
}

/// ab: (ab)′ = a b′ + b a′, (ab)″ = a b″ + b a″ + a′b′ᵀ + b′a′ᵀ.
fn product(a: Dual, b: Dual) -> Dual {
    let g = [0, 1].map(|i| times(a.v, b.g[i]) + times(b.v, a.g[i]));
    let h = outer(|i, j| {
        times(a.v, b.h[i][j]) + times(b.v, a.h[i][j]) + a.g[i] * b.g[j] + b.g[i] * a.g[j]
    });
    Dual { v: a.v * b.v, g, h }
}

/// q = a/b, from a = qb: q′ = (a′ − q b′)/b, q″ = (a″ − q b″ − q′b′ᵀ − b′q′ᵀ)/b.
fn quotient(a: Dual, b: Dual) -> Dual {
    let q = a.v / b.v;
    let g = [0, 1].map(|i| (a.g[i] - times(q, b.g[i])) / b.v);
    let h = outer(|i, j| (a.h[i][j] - times(q, b.h[i][j]) - g[i] * b.g[j] - b.g[i] * g[j]) / b.v);
    Dual { v: q, g, h }
}

// ---------------------------------------------------------------------------------------------
// Lexer

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    LParen,
    RParen,
    /// A character that cannot start any token.
    Bad(char),
    /// A number too large for f64, as written.
    BadNumber(String),
    End,
}

/// A token and the character offset where it starts.
#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    pos: usize,
}

/// Splits `chars` into tokens; problems become `Bad` tokens, reported when the parser
/// reaches them, so the first error in reading order wins.
fn lex(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            i = number_end(chars, i);
            number(&chars[start..i])
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else {
            i += 1;
            symbol(c)
        };
        tokens.push(Token { tok, pos: start });
    }
    tokens.push(Token { tok: Tok::End, pos: chars.len() });
    tokens
}

/// The single-character token `c`.
fn symbol(c: char) -> Tok {
    match c {
        '+' | '-' | '*' | '/' | '^' => Tok::Op(c),
        '(' => Tok::LParen,
        ')' => Tok::RParen,
        _ => Tok::Bad(c),
    }
}

/// End of the number starting at `i`: digits, an optional fraction, an optional exponent
/// (`e` only counts as one when digits follow, so `2e` is 2 then the name `e`).
fn number_end(chars: &[char], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(i);
    if chars.get(i) == Some(&'.') {
        i = digits(i + 1);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+' | '-')));
        if chars.get(i + 1 + sign).is_some_and(char::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

/// The number written as `chars` (already known to be well formed).
fn number(chars: &[char]) -> Tok {
    let text: String = chars.iter().collect();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Tok::Num(v),
        _ => Tok::BadNumber(text),
    }
}

/// How a token reads in an error message.
fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(v) => format!("the number {}", crate::limits::short(*v)),
        Tok::Ident(name) => format!("'{name}'"),
        Tok::Op(c) | Tok::Bad(c) => format!("'{c}'"),
        Tok::LParen => "'('".to_owned(),
        Tok::RParen => "')'".to_owned(),
        Tok::BadNumber(text) => format!("the number {text}"),
        Tok::End => "the end of the input".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Parses a formula in `x` and `y` (see the module documentation for the grammar).
///
/// # Errors
///
/// An [`ExprError`] at the first problem: an unexpected character or token, a missing or
/// unmatched parenthesis, an unknown function or variable, empty input, input left over after
/// a complete expression, a number too large, or nesting deeper than [`MAX_NESTING`] levels
/// (or a tree deeper than [`MAX_TREE_DEPTH`]), or more than [`MAX_FORMULA_CHARS`] characters.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    if text.chars().nth(MAX_FORMULA_CHARS).is_some() {
        let message = format!(
            "the formula is too long (more than {MAX_FORMULA_CHARS} characters); write a shorter one"
        );
        return Err(ExprError::new(MAX_FORMULA_CHARS, message));
    }
    let chars: Vec<char> = text.chars().collect();
    let tokens = lex(&chars);
    if tokens.len() == 1 {
        return Err(ExprError::new(0, "empty input: write a formula in x and y, e.g. x^2 + y^2"));
    }
    let mut parser = Parser { tokens, at: 0, nesting: 0, in_t: false };
    let (expr, _) = parser.expr()?;
    parser.finish()?;
    Ok(expr)
}

/// Parses a formula in the update counter `t` (a schedule's `Lambda`/`Multiplicative`): the
/// grammar of [`parse`] with the variable `t` instead of `x` and `y`, and the function `floor`
/// besides [`FUNCTION_NAMES`]. In the tree `t` is [`Expr::X`]; a formula that names `x` or `y`
/// is refused.
///
/// # Errors
/// As [`parse`], with the column of the first problem.
pub fn parse_in_t(text: &str) -> Result<Expr, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_FORMULA_CHARS {
        return Err(ExprError::new(MAX_FORMULA_CHARS, "the formula is too long"));
    }
    let tokens = lex(&chars);
    if tokens.len() == 1 {
        return Err(ExprError::new(0, "empty input: write a formula in t, e.g. 0.95^t"));
    }
    let mut parser = Parser { tokens, at: 0, nesting: 0, in_t: true };
    let (expr, _) = parser.expr()?;
    parser.finish()?;
    Ok(expr)
}

/// An expression and the depth of its tree.
type Parsed = (Expr, usize);

/// A recursive-descent parser over the token list (which always ends with `Tok::End`).
struct Parser {
    tokens: Vec<Token>,
    at: usize,
    nesting: usize,
    /// A schedule's formula: the variable is `t` (stored as [`Expr::X`]) and `floor` exists.
    in_t: bool,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::End {
            self.at += 1;
        }
        token
    }

    /// Consumes the next token if it is one of `ops`, returning it and its position.
    fn eat_op(&mut self, ops: &[char]) -> Option<(char, usize)> {
        let token = self.peek();
        match token.tok {
            Tok::Op(c) if ops.contains(&c) => {
                let found = (c, token.pos);
                self.at += 1;
                Some(found)
            }
            _ => None,
        }
    }

    /// Goes one nesting level deeper, or fails past [`MAX_NESTING`].
    fn enter(&mut self) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            let message = format!(
                "the formula is nested too deeply (more than {MAX_NESTING} levels of \
                 parentheses, functions, minus signs or powers)"
            );
            return Err(ExprError::new(self.peek().pos, message));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// `expr := term (('+' | '-') term)*`.
    fn expr(&mut self) -> Result<Parsed, ExprError> {
        self.enter()?;
        let mut lhs = self.term()?;
        while let Some((op, pos)) = self.eat_op(&['+', '-']) {
            let rhs = self.term()?;
            lhs = binary(op, lhs, rhs, pos)?;
        }
        self.leave();
        Ok(lhs)
    }

    /// `term := unary (('*' | '/') unary)*`.
    fn term(&mut self) -> Result<Parsed, ExprError> {
        let mut lhs = self.unary()?;
        while let Some((op, pos)) = self.eat_op(&['*', '/']) {
            let rhs = self.unary()?;
            lhs = binary(op, lhs, rhs, pos)?;
        }
        Ok(lhs)
    }

    /// `unary := '-' unary | power`.
    fn unary(&mut self) -> Result<Parsed, ExprError> {
        let Some((_, pos)) = self.eat_op(&['-']) else {
            return self.power();
        };
        self.enter()?;
        let (inner, depth) = self.unary()?;
        self.leave();
        wrap(|e| Expr::Neg(Box::new(e)), (inner, depth), pos)
    }

    /// `power := primary ('^' unary)?`; the exponent may itself be a power (right-associative).
    fn power(&mut self) -> Result<Parsed, ExprError> {
        let base = self.primary()?;
        let Some((op, pos)) = self.eat_op(&['^']) else {
            return Ok(base);
        };
        self.enter()?;
        let exponent = self.unary()?;
        self.leave();
        binary(op, base, exponent, pos)
    }

    /// A number, a name, a function call or a parenthesized expression.
    fn primary(&mut self) -> Result<Parsed, ExprError> {
        let token = self.next();
        match token.tok {
            Tok::Num(v) => Ok((Expr::Num(v), 1)),
            Tok::Ident(ref name) => self.name(name, token.pos),
            Tok::LParen => {
                let inner = self.expr()?;
                self.close(token.pos)?;
                Ok(inner)
            }
            _ if self.in_t => Err(unexpected(&token, "a number, t, a function or '('")),
            _ => Err(unexpected(&token, "a number, x, y, a function or '('")),
        }
    }

    /// A variable, a constant, or (when `(` follows) a function call.
    fn name(&mut self, name: &str, pos: usize) -> Result<Parsed, ExprError> {
        if self.peek().tok == Tok::LParen {
            return self.call(name, pos);
        }
        let expr = match name {
            "t" if self.in_t => Expr::X,
            _ if self.in_t && (name == "x" || name == "y") => {
                let message = format!(
                    "unknown variable '{name}'; a schedule's formula is in t (allowed: t, pi, e)"
                );
                return Err(ExprError::new(pos, message));
            }
            "x" => Expr::X,
            "y" => Expr::Y,
            "pi" => Expr::Num(PI),
            "e" => Expr::Num(E),
            _ if Func::from_name(name).is_some() => {
                let message = format!(
                    "the function '{name}' needs its argument in parentheses, as in {name}(x)"
                );
                return Err(ExprError::new(self.peek().pos, message));
            }
            _ => {
                let allowed =
                    if self.in_t { "t, pi, e".to_owned() } else { VARIABLE_NAMES.join(", ") };
                let message = format!(
                    "unknown variable '{name}'; allowed variables and constants: {allowed}"
                );
                return Err(ExprError::new(pos, message));
            }
        };
        Ok((expr, 1))
    }

    /// `name '(' expr ')'`, the next token being the `(`.
    fn call(&mut self, name: &str, pos: usize) -> Result<Parsed, ExprError> {
        let floor = (self.in_t && name == "floor").then_some(Func::Floor);
        let Some(func) = floor.or_else(|| Func::from_name(name)) else {
            let message = format!(
                "unknown function '{name}'; allowed functions: {}",
                FUNCTION_NAMES.join(", ")
            );
            return Err(ExprError::new(pos, message));
        };
        let open = self.next().pos;
        let arg = self.expr()?;
        self.close(open)?;
        wrap(|e| Expr::Call(func, Box::new(e)), arg, pos)
    }

    /// Consumes the `)` matching the `(` at `open`.
    fn close(&mut self, open: usize) -> Result<(), ExprError> {
        let token = self.next();
        match token.tok {
            Tok::RParen => Ok(()),
            Tok::End => {
                let message =
                    format!("missing closing parenthesis ')' for the '(' at column {}", open + 1);
                Err(ExprError::new(token.pos, message))
            }
            _ => Err(unexpected(
                &token,
                &format!("an operator or the ')' closing the '(' at column {}", open + 1),
            )),
        }
    }

    /// Fails if anything follows the complete expression.
    fn finish(&mut self) -> Result<(), ExprError> {
        let token = self.next();
        match token.tok {
            Tok::End => Ok(()),
            Tok::RParen => Err(ExprError::new(token.pos, "unmatched closing parenthesis ')'")),
            _ => Err(unexpected(&token, "an operator (+ - * / ^) or the end of the formula")),
        }
    }
}

/// The error for `token` where `expected` should have been.
fn unexpected(token: &Token, expected: &str) -> ExprError {
    let message = match &token.tok {
        Tok::Bad(c) => format!("unexpected character '{c}'; expected {expected}"),
        Tok::BadNumber(text) => format!("the number {text} is too large"),
        Tok::End => format!("the formula ends too early; expected {expected}"),
        tok => format!("unexpected {}; expected {expected}", describe(tok)),
    };
    ExprError::new(token.pos, message)
}

/// The binary node `lhs op rhs` (op written at `pos`), if the tree stays shallow enough.
fn binary(op: char, (lhs, dl): Parsed, (rhs, dr): Parsed, pos: usize) -> Result<Parsed, ExprError> {
    let op = match op {
        '+' => BinOp::Add,
        '-' => BinOp::Sub,
        '*' => BinOp::Mul,
        '/' => BinOp::Div,
        _ => BinOp::Pow,
    };
    let depth = dl.max(dr) + 1;
    check_depth(depth, pos)?;
    Ok((Expr::Binary(op, Box::new(lhs), Box::new(rhs)), depth))
}

/// `make(inner)` one level deeper, if the tree stays shallow enough.
fn wrap(
    make: impl FnOnce(Expr) -> Expr,
    (inner, depth): Parsed,
    pos: usize,
) -> Result<Parsed, ExprError> {
    check_depth(depth + 1, pos)?;
    Ok((make(inner), depth + 1))
}

fn check_depth(depth: usize, pos: usize) -> Result<(), ExprError> {
    if depth > MAX_TREE_DEPTH {
        let message =
            format!("the formula is too long (more than {MAX_TREE_DEPTH} chained operations)");
        return Err(ExprError::new(pos, message));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A formula as a surface

/// A parsed formula with its text, as a notebook stores it: written and read as the text,
/// parsed when read (so a bad formula is refused with its column when the file loads).
///
/// The text and the tree are shared: a formula of a megabyte is cloned and compared every
/// frame (the app's caches, undo history and autosave keep copies of the notebook), and both
/// take constant time while the copies share one parse.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Formula {
    text: Arc<str>,
    expr: Arc<Expr>,
}

impl Formula {
    /// Parses `text`.
    ///
    /// # Errors
    /// The formula does not parse; the error names its column.
    pub fn new(text: &str) -> Result<Self, ExprError> {
        Ok(Self { text: Arc::from(text), expr: Arc::new(parse(text)?) })
    }

    /// The formula as written.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed tree.
    #[must_use]
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl PartialEq for Formula {
    /// Two formulas are equal when written the same way (copies of one formula are equal
    /// without reading their text).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.text, &other.text) || self.text == other.text
    }
}

impl TryFrom<String> for Formula {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::new(&text).map_err(|e| format!("formula `{}`: {e}", shortened(&text)))
    }
}

/// `text`, or its first 60 characters and `…` when longer: a refusal quotes a formula without
/// repeating one of megabytes.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

impl From<Formula> for String {
    fn from(formula: Formula) -> Self {
        formula.text.to_string()
    }
}
