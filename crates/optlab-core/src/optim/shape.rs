//! Parameter shapes: which consecutive parameters form a vector and which a matrix, for the
//! rules that treat matrices differently (Adafactor factors them, Muon orthogonalizes them).

/// The shape of one parameter tensor (torch's `param.shape`), in the order the parameters are
/// stored in the flat vector an optimizer steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A 1-D tensor of this many entries (a bias, or a flat parameter vector).
    Vector(usize),
    /// A 2-D tensor of torch shape `rows × cols`.
    Matrix {
        /// torch's `shape[0]` (a linear layer's outputs).
        rows: usize,
        /// torch's `shape[1]` (a linear layer's inputs).
        cols: usize,
        /// Whether the flat vector stores the matrix's transpose (`cols` rows of `rows`
        /// entries) instead of `rows` rows of `cols` entries.
        stored_transposed: bool,
    },
}

impl Shape {
    /// A matrix stored row by row.
    #[must_use]
    pub const fn matrix(rows: usize, cols: usize) -> Self {
        Self::Matrix { rows, cols, stored_transposed: false }
    }

    /// Number of entries.
    #[must_use]
    pub const fn len(self) -> usize {
        match self {
            Self::Vector(len) => len,
            Self::Matrix { rows, cols, .. } => rows * cols,
        }
    }

    /// Whether the tensor has no entries.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// `(rows, cols)` of the stored layout (row-major), or `None` for a vector.
    #[must_use]
    pub const fn stored_matrix(self) -> Option<(usize, usize)> {
        match self {
            Self::Vector(_) => None,
            Self::Matrix { rows, cols, stored_transposed: false } => Some((rows, cols)),
            Self::Matrix { rows, cols, stored_transposed: true } => Some((cols, rows)),
        }
    }
}

/// Total number of entries of `shapes`.
#[must_use]
pub fn total_len(shapes: &[Shape]) -> usize {
    shapes.iter().map(|s| s.len()).sum()
}

/// The shape of a loss surface's point (x, y): a 1×2 matrix, as issue 16's contract says.
pub const SURFACE: Shape = Shape::matrix(1, 2);

/// One tensor of a shaped rule: where it starts in the flat vector and its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Block {
    /// Index of the first entry in the flat vector.
    pub(super) offset: usize,
    /// Its shape.
    pub(super) shape: Shape,
}

impl Block {
    /// The blocks of `shapes` laid end to end.
    pub(super) fn layout(shapes: &[Shape]) -> Vec<Self> {
        let mut offset = 0;
        shapes
            .iter()
            .map(|&shape| {
                let block = Self { offset, shape };
                offset += shape.len();
                block
            })
            .collect()
    }

    /// The block's index range in the flat vector.
    pub(super) fn range(self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.shape.len()
    }
}
