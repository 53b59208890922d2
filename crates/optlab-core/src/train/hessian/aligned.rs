//! [`Aligned`]: a buffer of `f64` that starts on a cache line.
//!
//! The products' vector loads and stores run along rows of these buffers; from an allocator's
//! usual 16-byte boundary every other 32-byte load straddles two cache lines, which cost the
//! products and the weight sums 10–17 % of their throughput on the machine they were measured
//! on. Without `unsafe` (the crate forbids it), the buffer over-allocates by
//! [`Aligned::SPARE`] values and starts at the first one on a 64-byte boundary.

use std::ops::{Deref, DerefMut};

/// Bytes of the boundary the first value sits on: a cache line, one AVX-512 vector.
const BOUNDARY: usize = 64;

/// `len` values of `f64`, the first on a 64-byte boundary (where the allocator allows it; the
/// values are the same either way).
#[derive(Debug)]
pub(super) struct Aligned {
    storage: Vec<f64>,
    len: usize,
}

impl Aligned {
    /// Values the storage holds beyond `len`: enough to reach the boundary from any `f64`.
    const SPARE: usize = BOUNDARY / size_of::<f64>() - 1;

    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        Self { storage: vec![0.0; len + Self::SPARE], len }
    }

    /// A copy of `values`.
    pub fn from_values(values: &[f64]) -> Self {
        let mut copy = Self::zeros(values.len());
        copy.copy_from_slice(values);
        copy
    }

    /// Where the values start in `storage`.
    fn start(&self) -> usize {
        let offset = self.storage.as_ptr().align_offset(BOUNDARY);
        // `align_offset` may decline (usize::MAX); then the values simply start at 0.
        if offset <= self.storage.len() - self.len { offset } else { 0 }
    }

    /// `len` values: the first `len` of these kept, zeros after them.
    pub fn resize(&mut self, len: usize) {
        if len == self.len {
            return;
        }
        let mut resized = Self::zeros(len);
        let kept = len.min(self.len);
        resized[..kept].copy_from_slice(&self[..kept]);
        *self = resized;
    }
}

impl Default for Aligned {
    fn default() -> Self {
        Self::zeros(0)
    }
}

impl Clone for Aligned {
    /// The same values (a new allocation may sit differently from its boundary, so they are
    /// copied as values, not as the storage).
    fn clone(&self) -> Self {
        Self::from_values(self)
    }
}

impl Deref for Aligned {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        let start = self.start();
        &self.storage[start..start + self.len]
    }
}

impl DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [f64] {
        let start = self.start();
        &mut self.storage[start..start + self.len]
    }
}

impl<'a> IntoIterator for &'a Aligned {
    type Item = &'a f64;
    type IntoIter = std::slice::Iter<'a, f64>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_start_on_a_cache_line_and_survive_clone_and_resize() {
        assert!(Aligned::default().is_empty());
        for len in [0, 1, 7, 8, 9, 300] {
            let mut buffer = Aligned::zeros(len);
            assert_eq!(buffer.len(), len);
            assert_eq!(buffer.as_ptr().addr() % BOUNDARY, 0, "len {len}");
            for (i, value) in buffer.iter_mut().enumerate() {
                *value = i as f64 + 0.5;
            }
            let copy = buffer.clone();
            assert_eq!(copy.as_ptr().addr() % BOUNDARY, 0);
            assert_eq!(&copy[..], &buffer[..]);
            buffer.resize(len + 3);
            assert_eq!(buffer.as_ptr().addr() % BOUNDARY, 0);
            assert_eq!(&buffer[..len], &copy[..]);
            assert_eq!(&buffer[len..], &[0.0; 3]);
            buffer.resize(len / 2);
            assert_eq!(&buffer[..], &copy[..len / 2]);
        }
    }
}
