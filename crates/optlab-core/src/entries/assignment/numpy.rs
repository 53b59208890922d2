//! numpy text: the arrays a student pastes from a notebook.
//!
//! Accepted, as numpy writes or evaluates them:
//! - printed arrays, with or without commas: `[[-0.4 -0.347]\n [0.1 0.2]]`, `array([[…], […]])`,
//!   `np.asarray([…])`, plain numbers, `np.float64(0.1)`, `nan` and `inf`;
//! - constructors: `np.linspace(a, b, num=n)`, `np.arange(…)`, `np.zeros(shape)`,
//!   `np.ones(shape)`, `np.full(shape, value)`, `np.random.randn(…)`, `np.random.rand(…)`;
//! - `.reshape(r, c)` (one `-1` allowed), `+ - * / **` with numpy broadcasting, parentheses;
//! - statements before the value: `np.random.seed(231); x = np.random.randn(500, 500) + 10`.
//!
//! Random arrays come from ChaCha8 seeded by `np.random.seed` (0 without one): reproducible on
//! every machine, but not numpy's Mersenne Twister stream, so the values differ from numpy's.
//! Every error names the column (counted in characters from 1) and what was expected.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::fmt;

/// Most elements one array may have (a 1000 × 1000 matrix).
pub const MAX_ELEMENTS: usize = 1_000_000;
/// Deepest nesting of brackets and parentheses.
pub const MAX_DEPTH: usize = 32;
/// Most dimensions of an array.
pub const MAX_DIMS: usize = 8;

/// An n-dimensional array of f64 in row-major (C) order; shape `[]` is a scalar.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    shape: Vec<usize>,
    data: Vec<f64>,
}

impl Array {
    /// A scalar (shape `()`).
    #[must_use]
    pub fn scalar(value: f64) -> Self {
        Self { shape: Vec::new(), data: vec![value] }
    }

    /// An array of `shape` holding `data`; `None` when the sizes disagree.
    #[must_use]
    pub fn new(shape: Vec<usize>, data: Vec<f64>) -> Option<Self> {
        (shape.iter().product::<usize>() == data.len()).then_some(Self { shape, data })
    }

    /// A flat vector as a 1-D array.
    #[must_use]
    pub fn vector(data: Vec<f64>) -> Self {
        Self { shape: vec![data.len()], data }
    }

    /// The shape, e.g. `[4, 5]`.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements in row-major order.
    #[must_use]
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the array has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The value of a one-element array (a scalar, `[0.5]` or `[[0.5]]`).
    #[must_use]
    pub fn as_scalar(&self) -> Option<f64> {
        match self.data.as_slice() {
            [value] => Some(*value),
            _ => None,
        }
    }

    /// The same data under another shape; `None` when the sizes disagree.
    #[must_use]
    pub fn reshaped(&self, shape: Vec<usize>) -> Option<Self> {
        Self::new(shape, self.data.clone())
    }

    /// Element-wise `f`.
    #[must_use]
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Self { shape: self.shape.clone(), data: self.data.iter().map(|&v| f(v)).collect() }
    }

    /// The shape as numpy prints it: `(4, 5)`, `(20,)`, `()`.
    #[must_use]
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }

    /// numpy text that parses back to exactly this array: `np.array([[…], […]])` with every
    /// value written in its shortest round-trip form.
    #[must_use]
    pub fn to_numpy_text(&self) -> String {
        if self.shape.is_empty() {
            return number_text(self.data[0]);
        }
        let mut out = String::from("np.array(");
        write_nested(&mut out, &self.shape, &self.data);
        out.push(')');
        out
    }
}

fn number_text(value: f64) -> String {
    match value {
        v if v.is_nan() => "nan".to_owned(),
        v if v.is_infinite() => if v > 0.0 { "inf" } else { "-inf" }.to_owned(),
        v => format!("{v:?}"),
    }
}

fn write_nested(out: &mut String, shape: &[usize], data: &[f64]) {
    out.push('[');
    match shape {
        [] | [_] => {
            let items: Vec<String> = data.iter().map(|&v| number_text(v)).collect();
            out.push_str(&items.join(", "));
        }
        [rows, rest @ ..] => {
            let stride: usize = rest.iter().product();
            for row in 0..*rows {
                if row > 0 {
                    out.push_str(", ");
                }
                write_nested(out, rest, &data[row * stride..(row + 1) * stride]);
            }
        }
    }
    out.push(']');
}

/// `(4, 5)`, `(20,)` or `()`, as numpy prints a shape.
#[must_use]
pub fn shape_text(shape: &[usize]) -> String {
    if let [single] = shape {
        return format!("({single},)");
    }
    let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("({})", parts.join(", "))
}

/// Why a text is not an array, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumpyError {
    /// Column of the problem, counted in characters from 1.
    pub column: usize,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for NumpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for NumpyError {}

/// Parses and evaluates numpy text.
///
/// # Errors
/// The text is not one of the accepted forms, an array would exceed [`MAX_ELEMENTS`], or the
/// shapes of an operation do not broadcast.
pub fn parse(text: &str) -> Result<Array, NumpyError> {
    let tokens = lex(text)?;
    Parser { tokens, at: 0, depth: 0, rng: ChaCha8Rng::seed_from_u64(0) }.program()
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Open(char),
    Close(char),
    Comma,
    Semi,
    Equals,
    Dot,
    Ellipsis,
    Op(char),
    Pow,
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    column: usize,
}

fn error<T>(column: usize, message: impl Into<String>) -> Result<T, NumpyError> {
    Err(NumpyError { column, message: message.into() })
}

fn lex(text: &str) -> Result<Vec<Token>, NumpyError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '0'..='9' => lex_number(&chars, i)?,
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => lex_number(&chars, i)?,
            '.' if chars[i..].starts_with(&['.', '.', '.']) => (Tok::Ellipsis, 3),
            '.' => (Tok::Dot, 1),
            c if c.is_alphabetic() || c == '_' => lex_ident(&chars, i),
            '(' | '[' => (Tok::Open(c), 1),
            ')' | ']' => (Tok::Close(c), 1),
            ',' => (Tok::Comma, 1),
            ';' => (Tok::Semi, 1),
            '=' => (Tok::Equals, 1),
            '*' if chars.get(i + 1) == Some(&'*') => (Tok::Pow, 2),
            '+' | '-' | '*' | '/' => (Tok::Op(c), 1),
            other => return error(column, format!("unexpected character `{other}`")),
        };
        tokens.push(Token { tok, column });
        i += len;
    }
    tokens.push(Token { tok: Tok::End, column: chars.len() + 1 });
    Ok(tokens)
}

fn lex_number(chars: &[char], start: usize) -> Result<(Tok, usize), NumpyError> {
    let mut end = start;
    let digits = |end: &mut usize| {
        while chars.get(*end).is_some_and(char::is_ascii_digit) {
            *end += 1;
        }
    };
    digits(&mut end);
    if chars.get(end) == Some(&'.') && chars.get(end + 1).is_none_or(|&c| c != '.') {
        end += 1;
        digits(&mut end);
    }
    if matches!(chars.get(end), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(end + 1), Some('+' | '-')));
        if chars.get(end + 1 + sign).is_some_and(char::is_ascii_digit) {
            end += 1 + sign;
            digits(&mut end);
        }
    }
    let text: String = chars[start..end].iter().collect();
    match text.parse::<f64>() {
        Ok(value) => Ok((Tok::Num(value), end - start)),
        Err(_) => error(start + 1, format!("`{text}` is not a number")),
    }
}

fn lex_ident(chars: &[char], start: usize) -> (Tok, usize) {
    let mut end = start;
    loop {
        while chars.get(end).is_some_and(|&c| c.is_alphanumeric() || c == '_') {
            end += 1;
        }
        // `np.random.randn` is one name; `).reshape` is a dot and a name.
        if chars.get(end) == Some(&'.') && chars.get(end + 1).is_some_and(|c| c.is_alphabetic()) {
            end += 1;
        } else {
            break;
        }
    }
    (Tok::Ident(chars[start..end].iter().collect()), end - start)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    rng: ChaCha8Rng,
}

/// A call's arguments: positional values (each with its column) and `name=value` pairs.
struct Args {
    positional: Vec<(Array, usize)>,
    keywords: Vec<(String, Array, usize)>,
    column: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at].tok
    }

    fn column(&self) -> usize {
        self.tokens[self.at].column
    }

    fn next(&mut self) -> Token {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), NumpyError> {
        if self.peek() == tok {
            self.next();
            Ok(())
        } else {
            error(self.column(), format!("expected {what}, found {}", describe(self.peek())))
        }
    }

    fn enter(&mut self) -> Result<(), NumpyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return error(self.column(), format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn program(mut self) -> Result<Array, NumpyError> {
        loop {
            self.skip_assignment_name();
            if self.seed_statement()? {
                continue;
            }
            let value = self.expr()?;
            while self.peek() == &Tok::Semi {
                self.next();
            }
            if self.peek() == &Tok::End {
                return Ok(value);
            }
            return error(
                self.column(),
                format!("expected the end of the array, found {}", describe(self.peek())),
            );
        }
    }

    /// `x = …`: the name is ignored (students paste whole lines).
    fn skip_assignment_name(&mut self) {
        let is_name = matches!(self.peek(), Tok::Ident(_));
        if is_name && self.tokens.get(self.at + 1).is_some_and(|t| t.tok == Tok::Equals) {
            self.at += 2;
        }
    }

    /// `np.random.seed(n);`: seeds the generator of the random constructors after it.
    fn seed_statement(&mut self) -> Result<bool, NumpyError> {
        let Tok::Ident(name) = self.peek() else { return Ok(false) };
        if function_name(name) != "random.seed" {
            return Ok(false);
        }
        self.next();
        let args = self.args()?;
        let seed = args.only_scalar("np.random.seed")?;
        if !(seed >= 0.0 && seed.fract() == 0.0 && seed < 2f64.powi(53)) {
            return error(args.column, "np.random.seed takes a whole number ≥ 0");
        }
        #[expect(clippy::cast_possible_truncation, reason = "a whole number below 2^53")]
        #[expect(clippy::cast_sign_loss, reason = "checked ≥ 0")]
        let seed = seed as u64;
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        if self.peek() == &Tok::Semi {
            self.next();
            Ok(true)
        } else {
            error(self.column(), "expected `;` after np.random.seed(…)")
        }
    }

    fn expr(&mut self) -> Result<Array, NumpyError> {
        let mut left = self.term()?;
        while let Tok::Op(op @ ('+' | '-')) = *self.peek() {
            let column = self.next().column;
            let right = self.term()?;
            left = broadcast(&left, &right, column, |a, b| if op == '+' { a + b } else { a - b })?;
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Array, NumpyError> {
        let mut left = self.unary()?;
        while let Tok::Op(op @ ('*' | '/')) = *self.peek() {
            let column = self.next().column;
            let right = self.unary()?;
            left = broadcast(&left, &right, column, |a, b| if op == '*' { a * b } else { a / b })?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Array, NumpyError> {
        match *self.peek() {
            Tok::Op('-') => {
                self.next();
                self.enter()?;
                let value = self.unary()?.map(|v| -v);
                self.depth -= 1;
                Ok(value)
            }
            Tok::Op('+') => {
                self.next();
                self.enter()?;
                let value = self.unary();
                self.depth -= 1;
                value
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Array, NumpyError> {
        let base = self.postfix()?;
        if self.peek() != &Tok::Pow {
            return Ok(base);
        }
        let column = self.next().column;
        self.enter()?;
        let exponent = self.unary()?;
        self.depth -= 1;
        broadcast(&base, &exponent, column, f64::powf)
    }

    fn postfix(&mut self) -> Result<Array, NumpyError> {
        let mut value = self.atom()?;
        while self.peek() == &Tok::Dot {
            self.next();
            let column = self.column();
            match self.next().tok {
                Tok::Ident(name) if name == "reshape" => {
                    let args = self.args()?;
                    let shape = reshape_target(&args, value.len())?;
                    value = value.reshaped(shape).expect("reshape_target checks the size");
                }
                Tok::Ident(name) if name == "T" => value = transpose(&value, column)?,
                other => {
                    return error(
                        column,
                        format!("expected `.reshape(…)` or `.T`, found {}", describe(&other)),
                    );
                }
            }
        }
        Ok(value)
    }

    fn atom(&mut self) -> Result<Array, NumpyError> {
        let token = self.next();
        match token.tok {
            Tok::Num(value) => Ok(Array::scalar(value)),
            Tok::Open('[') => {
                self.at -= 1;
                self.literal()
            }
            Tok::Open('(') => {
                self.enter()?;
                let value = self.parenthesized(token.column)?;
                self.depth -= 1;
                Ok(value)
            }
            Tok::Ident(name) => self.named(&name, token.column),
            other => error(
                token.column,
                format!("expected a number, `[`, `(` or np.… here, found {}", describe(&other)),
            ),
        }
    }

    /// `(expr)`, or a tuple `(4, 5)` as a 1-D array (a shape).
    fn parenthesized(&mut self, open: usize) -> Result<Array, NumpyError> {
        let first_column = self.column();
        let first = self.expr()?;
        if self.peek() != &Tok::Comma {
            self.expect(&Tok::Close(')'), "`)`")?;
            return Ok(first);
        }
        let mut items = vec![(first, first_column)];
        while self.peek() == &Tok::Comma {
            self.next();
            if self.peek() == &Tok::Close(')') {
                break;
            }
            let column = self.column();
            items.push((self.expr()?, column));
        }
        self.expect(&Tok::Close(')'), "`,` or `)`")?;
        stack(&items, open)
    }

    fn named(&mut self, name: &str, column: usize) -> Result<Array, NumpyError> {
        let function = function_name(name);
        if let Some(value) = constant(function) {
            return Ok(Array::scalar(value));
        }
        if self.peek() != &Tok::Open('(') {
            return error(column, format!("`{name}` is not a number or a known numpy function"));
        }
        if matches!(function, "array" | "asarray") {
            return self.array_call();
        }
        let args = self.args()?;
        construct(function, name, &args, &mut self.rng)
    }

    /// `np.array([…], dtype=float)`: the literal is parsed as a literal (not an expression),
    /// so a printed array with spaces between its numbers works inside `array(…)` too.
    fn array_call(&mut self) -> Result<Array, NumpyError> {
        self.expect(&Tok::Open('('), "`(`")?;
        let value = if self.peek() == &Tok::Open('[') { self.literal()? } else { self.expr()? };
        if self.peek() == &Tok::Comma {
            self.next();
            self.expect(&Tok::Ident("dtype".to_owned()), "`dtype=`")?;
            self.expect(&Tok::Equals, "`=`")?;
            let column = self.column();
            match self.next().tok {
                Tok::Ident(dtype) if is_float_dtype(&dtype) => {}
                other => {
                    return error(
                        column,
                        format!("dtype {} is not a float type", describe(&other)),
                    );
                }
            }
        }
        self.expect(&Tok::Close(')'), "`)`")?;
        Ok(value)
    }

    /// `[1, 2]`, `[[1 2]\n [3 4]]`: nested lists of numbers, commas optional.
    fn literal(&mut self) -> Result<Array, NumpyError> {
        let open = self.column();
        self.expect(&Tok::Open('['), "`[`")?;
        self.enter()?;
        let mut items: Vec<(Array, usize)> = Vec::new();
        loop {
            match self.peek() {
                Tok::Close(']') => break,
                Tok::Comma if !items.is_empty() => {
                    self.next();
                }
                Tok::Ellipsis => return error(self.column(), SUMMARIZED),
                _ => {
                    let column = self.column();
                    let item = if self.peek() == &Tok::Open('[') {
                        self.literal()?
                    } else {
                        self.signed_number()?
                    };
                    items.push((item, column));
                }
            }
        }
        self.next();
        self.depth -= 1;
        stack(&items, open)
    }

    fn signed_number(&mut self) -> Result<Array, NumpyError> {
        let negative = match self.peek() {
            Tok::Op('-') => {
                self.next();
                true
            }
            Tok::Op('+') => {
                self.next();
                false
            }
            _ => false,
        };
        let token = self.next();
        let value = match token.tok {
            Tok::Num(value) => value,
            Tok::Ident(name) if constant(function_name(&name)).is_some() => {
                constant(function_name(&name)).unwrap_or(f64::NAN)
            }
            other => {
                return error(
                    token.column,
                    format!("expected a number in the list, found {}", describe(&other)),
                );
            }
        };
        Ok(Array::scalar(if negative { -value } else { value }))
    }

    fn args(&mut self) -> Result<Args, NumpyError> {
        let column = self.column();
        self.expect(&Tok::Open('('), "`(`")?;
        self.enter()?;
        let mut args = Args { positional: Vec::new(), keywords: Vec::new(), column };
        while self.peek() != &Tok::Close(')') {
            let keyword = match (self.peek().clone(), &self.tokens.get(self.at + 1)) {
                (Tok::Ident(name), Some(next)) if next.tok == Tok::Equals => {
                    self.at += 2;
                    Some(name)
                }
                _ => None,
            };
            let at = self.column();
            let value = self.expr()?;
            match keyword {
                Some(name) => args.keywords.push((name, value, at)),
                None if args.keywords.is_empty() => args.positional.push((value, at)),
                None => return error(at, "a positional argument after a keyword argument"),
            }
            if self.peek() == &Tok::Comma {
                self.next();
            } else if self.peek() != &Tok::Close(')') {
                return error(
                    self.column(),
                    format!("expected `,` or `)`, found {}", describe(self.peek())),
                );
            }
        }
        self.next();
        self.depth -= 1;
        Ok(args)
    }
}

const SUMMARIZED: &str = "numpy summarized this array (`...`): print it whole with \
                          np.set_printoptions(threshold=np.inf), or paste the expression that \
                          made it";

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(value) => format!("the number {}", crate::limits::short(*value)),
        Tok::Ident(name) => format!("`{name}`"),
        Tok::Open(c) | Tok::Close(c) | Tok::Op(c) => format!("`{c}`"),
        Tok::Comma => "`,`".to_owned(),
        Tok::Semi => "`;`".to_owned(),
        Tok::Equals => "`=`".to_owned(),
        Tok::Dot => "`.`".to_owned(),
        Tok::Ellipsis => "`...`".to_owned(),
        Tok::Pow => "`**`".to_owned(),
        Tok::End => "the end of the text".to_owned(),
    }
}

/// `np.linspace` → `linspace`; `numpy.random.randn` → `random.randn`.
fn function_name(name: &str) -> &str {
    name.strip_prefix("np.").or_else(|| name.strip_prefix("numpy.")).unwrap_or(name)
}

fn constant(name: &str) -> Option<f64> {
    match name {
        "nan" | "NaN" | "NAN" => Some(f64::NAN),
        "inf" | "Inf" | "infty" => Some(f64::INFINITY),
        "pi" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

fn is_float_dtype(name: &str) -> bool {
    matches!(function_name(name), "float" | "float64" | "double" | "float32")
}

impl Args {
    fn only_scalar(&self, function: &str) -> Result<f64, NumpyError> {
        match (self.positional.as_slice(), self.keywords.is_empty()) {
            ([(value, at)], true) => value
                .as_scalar()
                .map_or_else(|| error(*at, format!("{function} takes one number")), Ok),
            _ => error(self.column, format!("{function} takes one number")),
        }
    }

    fn scalar(&self, index: usize, function: &str) -> Result<Option<f64>, NumpyError> {
        let Some((value, at)) = self.positional.get(index) else { return Ok(None) };
        match value.as_scalar() {
            Some(v) => Ok(Some(v)),
            None => error(*at, format!("{function}: argument {} must be a number", index + 1)),
        }
    }

    fn keyword(&self, name: &str) -> Option<&(String, Array, usize)> {
        self.keywords.iter().find(|(key, _, _)| key == name)
    }

    fn refuse_keywords(&self, function: &str, allowed: &[&str]) -> Result<(), NumpyError> {
        match self.keywords.iter().find(|(key, _, _)| !allowed.contains(&key.as_str())) {
            Some((key, _, at)) => error(*at, format!("{function} has no argument `{key}=` here")),
            None => Ok(()),
        }
    }

    /// All positional arguments as dimensions (`randn(4, 5)`), or one tuple/list of them
    /// (`zeros((4, 5))`).
    fn dims(&self, function: &str) -> Result<Vec<usize>, NumpyError> {
        let values: Vec<(f64, usize)> = match self.positional.as_slice() {
            [(tuple, at)] if !tuple.shape.is_empty() => {
                tuple.data.iter().map(|&v| (v, *at)).collect()
            }
            list => {
                let mut out = Vec::new();
                for (value, at) in list {
                    match value.as_scalar() {
                        Some(v) => out.push((v, *at)),
                        None => return error(*at, format!("{function}: a dimension is a number")),
                    }
                }
                out
            }
        };
        if values.len() > MAX_DIMS {
            return error(self.column, format!("{function}: more than {MAX_DIMS} dimensions"));
        }
        values.into_iter().map(|(v, at)| whole(v, at, function)).collect()
    }
}

fn whole(value: f64, column: usize, function: &str) -> Result<usize, NumpyError> {
    if value >= 0.0 && value.fract() == 0.0 && value <= MAX_ELEMENTS as f64 {
        #[expect(clippy::cast_possible_truncation, reason = "a whole number ≤ MAX_ELEMENTS")]
        #[expect(clippy::cast_sign_loss, reason = "checked ≥ 0")]
        return Ok(value as usize);
    }
    let value = crate::limits::short(value);
    error(column, format!("{function}: {value} is not a whole number in [0, {MAX_ELEMENTS}]"))
}

fn checked_size(shape: &[usize], column: usize) -> Result<usize, NumpyError> {
    let size = shape.iter().try_fold(1_usize, |acc, &d| acc.checked_mul(d));
    match size {
        Some(size) if size <= MAX_ELEMENTS => Ok(size),
        _ => error(
            column,
            format!(
                "shape {} has more than the {MAX_ELEMENTS} elements allowed",
                shape_text(shape)
            ),
        ),
    }
}

fn construct(
    function: &str,
    written: &str,
    args: &Args,
    rng: &mut ChaCha8Rng,
) -> Result<Array, NumpyError> {
    match function {
        "linspace" => linspace(args),
        "arange" => arange(args),
        "zeros" | "ones" => {
            args.refuse_keywords(written, &["dtype"])?;
            let shape = args.dims(written)?;
            let size = checked_size(&shape, args.column)?;
            let value = if function == "zeros" { 0.0 } else { 1.0 };
            Ok(Array { shape, data: vec![value; size] })
        }
        "full" => full(args),
        "float64" | "float" | "double" => Ok(Array::scalar(args.only_scalar(written)?)),
        "random.randn" | "random.rand" => {
            args.refuse_keywords(written, &[])?;
            let shape = args.dims(written)?;
            let size = checked_size(&shape, args.column)?;
            let data = if function == "random.randn" {
                (0..size).map(|_| StandardNormal.sample(rng)).collect()
            } else {
                (0..size).map(|_| rng.random::<f64>()).collect()
            };
            Ok(Array { shape, data })
        }
        "random.seed" => error(args.column, "np.random.seed(…) goes before the value, then `;`"),
        _ => error(
            args.column,
            format!(
                "`{written}` is not supported; use array, linspace, arange, zeros, ones, full, \
                 random.randn, random.rand, .reshape"
            ),
        ),
    }
}

/// numpy's linspace: `start + i·step` with `step = (stop − start)/(num − 1)`, the last value set
/// to `stop` exactly (numpy's `endpoint=True`).
fn linspace(args: &Args) -> Result<Array, NumpyError> {
    args.refuse_keywords("np.linspace", &["num"])?;
    let (Some(start), Some(stop)) =
        (args.scalar(0, "np.linspace")?, args.scalar(1, "np.linspace")?)
    else {
        return error(args.column, "np.linspace(start, stop, num=50) needs start and stop");
    };
    let num_value = match (args.scalar(2, "np.linspace")?, args.keyword("num")) {
        (Some(_), Some((_, _, at))) => return error(*at, "np.linspace: num given twice"),
        (Some(num), None) => (num, args.column),
        (None, Some((_, value, at))) => {
            (value.as_scalar().map_or_else(|| error(*at, "num is a number"), Ok)?, *at)
        }
        (None, None) => (50.0, args.column),
    };
    let num = whole(num_value.0, num_value.1, "np.linspace num")?;
    let div = num.saturating_sub(1).max(1) as f64;
    let step = (stop - start) / div;
    let mut data: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if num > 1 {
        data[num - 1] = stop;
    }
    Ok(Array::vector(data))
}

/// numpy's arange: `start + i·step` for i < ⌈(stop − start)/step⌉.
fn arange(args: &Args) -> Result<Array, NumpyError> {
    args.refuse_keywords("np.arange", &["dtype"])?;
    let numbers: Vec<f64> =
        (0..args.positional.len()).filter_map(|i| args.scalar(i, "np.arange").ok()?).collect();
    let (start, stop, step) = match numbers.as_slice() {
        [stop] => (0.0, *stop, 1.0),
        [start, stop] => (*start, *stop, 1.0),
        [start, stop, step] if *step != 0.0 => (*start, *stop, *step),
        _ => return error(args.column, "np.arange(stop), (start, stop) or (start, stop, step≠0)"),
    };
    let count = ((stop - start) / step).ceil().max(0.0);
    let count = whole(count, args.column, "np.arange length")?;
    Ok(Array::vector((0..count).map(|i| start + i as f64 * step).collect()))
}

fn full(args: &Args) -> Result<Array, NumpyError> {
    args.refuse_keywords("np.full", &["dtype"])?;
    let [(shape, at), (fill, fill_at)] = args.positional.as_slice() else {
        return error(args.column, "np.full(shape, value)");
    };
    let dims = Args { positional: vec![(shape.clone(), *at)], keywords: Vec::new(), column: *at };
    let shape = dims.dims("np.full")?;
    let size = checked_size(&shape, *at)?;
    let Some(value) = fill.as_scalar() else {
        return error(*fill_at, "np.full: value is a number");
    };
    Ok(Array { shape, data: vec![value; size] })
}

#[expect(clippy::float_cmp, reason = "-1 is numpy's exact marker of the inferred axis")]
fn reshape_target(args: &Args, size: usize) -> Result<Vec<usize>, NumpyError> {
    let raw: Vec<(f64, usize)> = match args.positional.as_slice() {
        [(tuple, at)] if !tuple.shape.is_empty() => tuple.data.iter().map(|&v| (v, *at)).collect(),
        list => list.iter().map(|(v, at)| (v.as_scalar().unwrap_or(f64::NAN), *at)).collect(),
    };
    let inferred = raw.iter().filter(|(v, _)| *v == -1.0).count();
    if inferred > 1 || raw.len() > MAX_DIMS {
        return error(args.column, "reshape: at most one -1 and eight dimensions");
    }
    let mut shape = Vec::with_capacity(raw.len());
    for &(v, at) in &raw {
        shape.push(if v == -1.0 { 1 } else { whole(v, at, "reshape")? });
    }
    let known: usize = shape.iter().product();
    if let Some(slot) = raw.iter().position(|(v, _)| *v == -1.0) {
        if known == 0 || !size.is_multiple_of(known) {
            return error(args.column, format!("cannot reshape {size} elements with a -1 here"));
        }
        shape[slot] = size / known;
    }
    if shape.iter().product::<usize>() != size {
        return error(
            args.column,
            format!("cannot reshape an array of {size} elements into shape {}", shape_text(&shape)),
        );
    }
    Ok(shape)
}

fn transpose(value: &Array, column: usize) -> Result<Array, NumpyError> {
    match *value.shape() {
        [rows, cols] => {
            let data =
                (0..cols).flat_map(|c| (0..rows).map(move |r| value.data[r * cols + c])).collect();
            Ok(Array { shape: vec![cols, rows], data })
        }
        [] | [_] => Ok(value.clone()),
        _ => error(column, ".T is supported for up to two dimensions"),
    }
}

/// A list of items of one shape stacked along a new first axis.
fn stack(items: &[(Array, usize)], open: usize) -> Result<Array, NumpyError> {
    let Some((first, _)) = items.first() else {
        return Ok(Array { shape: vec![0], data: Vec::new() });
    };
    for (item, column) in items {
        if item.shape != first.shape {
            return error(
                *column,
                format!(
                    "rows of different lengths: {} here, {} in the first row",
                    item.shape_text(),
                    first.shape_text()
                ),
            );
        }
    }
    let mut shape = vec![items.len()];
    shape.extend(&first.shape);
    if shape.len() > MAX_DIMS {
        return error(open, format!("more than {MAX_DIMS} dimensions"));
    }
    checked_size(&shape, open)?;
    let data = items.iter().flat_map(|(item, _)| item.data.iter().copied()).collect();
    Ok(Array { shape, data })
}

/// `f(a, b)` element-wise with numpy's broadcasting rules (trailing axes equal or 1).
fn broadcast(
    a: &Array,
    b: &Array,
    column: usize,
    f: impl Fn(f64, f64) -> f64,
) -> Result<Array, NumpyError> {
    if a.shape == b.shape {
        let data = a.data.iter().zip(&b.data).map(|(&x, &y)| f(x, y)).collect();
        return Ok(Array { shape: a.shape.clone(), data });
    }
    let rank = a.shape.len().max(b.shape.len());
    let padded = |s: &[usize]| -> Vec<usize> {
        let mut p = vec![1; rank - s.len()];
        p.extend(s);
        p
    };
    let (sa, sb) = (padded(&a.shape), padded(&b.shape));
    let mut shape = Vec::with_capacity(rank);
    for (&x, &y) in sa.iter().zip(&sb) {
        match (x, y) {
            _ if x == y => shape.push(x),
            (1, _) => shape.push(y),
            (_, 1) => shape.push(x),
            _ => {
                return error(
                    column,
                    format!("shapes {} and {} do not broadcast", a.shape_text(), b.shape_text()),
                );
            }
        }
    }
    let size = checked_size(&shape, column)?;
    let index_in = |source: &[usize], flat: usize| {
        let (mut rest, mut index, mut stride) = (flat, 0, 1);
        for axis in (0..rank).rev() {
            let coordinate = rest % shape[axis];
            rest /= shape[axis];
            if source[axis] != 1 {
                index += coordinate * stride;
            }
            stride *= source[axis];
        }
        index
    };
    let data = (0..size).map(|i| f(a.data[index_in(&sa, i)], b.data[index_in(&sb, i)])).collect();
    Ok(Array { shape, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_matrices_with_and_without_commas_agree() {
        let spaced = parse("[[-0.4  -0.3]\n [ 0.1   0.25]]").unwrap();
        let commas = parse("array([[-0.4, -0.3], [0.1, 0.25]])").unwrap();
        assert_eq!(spaced, commas);
        assert_eq!(spaced.shape(), &[2, 2]);
        assert_eq!(spaced.data(), &[-0.4, -0.3, 0.1, 0.25]);
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "numpy's linspace values, bit for bit")]
    fn linspace_matches_numpy_including_the_exact_endpoint() {
        let a = parse("np.linspace(-0.4, 0.6, num=20).reshape(4,5)").unwrap();
        assert_eq!(a.shape(), &[4, 5]);
        assert_eq!(a.data()[1], -0.347_368_421_052_631_6);
        assert_eq!(a.data()[19], 0.6);
        assert_eq!(parse("np.linspace(0, 1, 5)").unwrap().data(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn arithmetic_broadcasts_like_numpy() {
        let a = parse("np.arange(6).reshape(2, -1) * 2 + np.array([1, 0, 1])").unwrap();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.data(), &[1.0, 2.0, 5.0, 7.0, 8.0, 11.0]);
        assert_eq!(parse("-2**2").unwrap().as_scalar(), Some(-4.0));
        let err = parse("np.ones((2, 3)) + np.ones(4)").unwrap_err();
        assert_eq!(err.column, 17);
        assert!(err.message.contains("(2, 3) and (4,)"), "{err}");
    }

    #[test]
    fn seeded_random_arrays_repeat_and_differ_by_seed() {
        let text = "np.random.seed(231); x = np.random.randn(50, 40) + 10";
        let a = parse(text).unwrap();
        assert_eq!(a, parse(text).unwrap());
        assert_eq!(a.shape(), &[50, 40]);
        assert_ne!(a, parse("np.random.seed(232); np.random.randn(50, 40) + 10").unwrap());
        let mean = a.data().iter().sum::<f64>() / a.len() as f64;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
    }

    #[test]
    fn errors_name_their_column() {
        let cases = [
            ("[[1, 2], [3]]", 10, "different lengths"),
            ("[1, 2, ..., 9]", 8, "summarized"),
            ("np.linspace(0, 1, num=2.5)", 23, "whole number"),
            ("np.zeros((100000, 100000))", 9, "elements"),
            ("np.foo(1)", 7, "not supported"),
            ("[1, 2] ]", 8, "end of the array"),
            ("1 $ 2", 3, "unexpected character"),
        ];
        for (text, column, words) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.column, column, "{text}: {err}");
            assert!(err.message.contains(words), "{text}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let minus = format!("{}1", "-".repeat(10_000));
        assert!(parse(&minus).is_err());
    }

    #[test]
    fn numpy_text_round_trips() {
        let a = parse("np.linspace(-0.4, 0.6, num=20).reshape(2, 2, 5) / 3").unwrap();
        assert_eq!(parse(&a.to_numpy_text()).unwrap(), a);
        assert!(parse(&Array::scalar(f64::NAN).to_numpy_text()).unwrap().data()[0].is_nan());
        assert_eq!(parse("np.zeros((2, 3))").unwrap().shape(), &[2, 3]);
        assert_eq!(parse("np.ones([4]) .reshape((2, 2))").unwrap().shape(), &[2, 2]);
    }
}
