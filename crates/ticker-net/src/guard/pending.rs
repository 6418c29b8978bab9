//! [`Pending`]: the bytes a guard has read but not yet handed to hyper.

/// Bytes read but not yet handed to hyper: `data[start..end]`. The allocation is zeroed once and
/// reused by every head of a keep-alive connection (no per-read zeroing or reallocation).
#[derive(Default)]
pub(super) struct Pending {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl Pending {
    pub(super) fn bytes(&self) -> &[u8] {
        self.data.get(self.start..self.end).unwrap_or_default()
    }

    pub(super) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub(super) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Gives the memory back (long-lived upgraded connections need none).
    pub(super) fn free(&mut self) {
        *self = Self::default();
    }

    /// Room for `want` more bytes after the pending ones.
    pub(super) fn spare(&mut self, want: usize) -> &mut [u8] {
        if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.data.len() < self.end + want {
            self.data.resize(self.end + want, 0);
        }
        self.data
            .get_mut(self.end..self.end + want)
            .unwrap_or_default()
    }

    /// Counts `n` bytes written into the last [`spare`](Self::spare) as pending.
    pub(super) fn commit(&mut self, n: usize) {
        self.end += n;
    }

    /// The size of the allocation.
    #[cfg(test)]
    pub(super) fn allocated(&self) -> usize {
        self.data.len()
    }
}
