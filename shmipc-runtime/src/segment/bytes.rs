//! Little-endian integers in byte slices, and a bounds-checked reader: the byte helpers of the
//! layout table (the fixed header is a struct, `header/wire.rs`).
//!
//! The `get` functions index directly: the caller checked the bounds (they panic otherwise).
//! [`Cursor`] checks every read and is what untrusted input goes through.

/// Reads a little-endian `u16` at `at` (the caller checked the bounds).
pub fn get16(h: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([h[at], h[at + 1]])
}

/// Reads a little-endian `u32` at `at` (the caller checked the bounds).
pub fn get32(h: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&h[at..at + 4]);
    u32::from_le_bytes(b)
}

/// Reads a little-endian `u64` at `at` (the caller checked the bounds).
pub fn get64(h: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&h[at..at + 8]);
    u64::from_le_bytes(b)
}

/// A bounds-checked little-endian reader; every read fails with `ends_early` past the end.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    ends_early: &'static str,
}

impl<'a> Cursor<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8], ends_early: &'static str) -> Cursor<'a> {
        Cursor {
            bytes,
            pos: 0,
            ends_early,
        }
    }

    /// How many bytes are left.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(self.ends_early)?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next little-endian `u16`.
    pub(crate) fn u16(&mut self) -> Result<u16, &'static str> {
        Ok(get16(self.take(2)?, 0))
    }

    /// The next little-endian `u32`.
    pub(crate) fn u32(&mut self) -> Result<u32, &'static str> {
        Ok(get32(self.take(4)?, 0))
    }

    /// The next little-endian `u64`.
    pub(crate) fn u64(&mut self) -> Result<u64, &'static str> {
        Ok(get64(self.take(8)?, 0))
    }
}
