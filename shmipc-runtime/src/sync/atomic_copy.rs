//! Copying a value into and out of memory that another process writes concurrently.
//!
//! A seqlock reader copies while the writer may be overwriting; it throws the copy away when the
//! sequence changed. With plain (non-atomic) accesses that overlap is a data race, undefined
//! behaviour under the Rust memory model even if the torn copy is discarded. So, as the
//! `atomic-memcpy` crate does, every access to the shared bytes is atomic and `Relaxed`: 8-byte
//! words (the slots are 8-aligned), then single bytes for the tail. The seqlock's fences give the
//! ordering. Both sides use the same word boundaries, so there are no mixed-size accesses.
//!
//! We do not depend on `atomic-memcpy` itself: the copy is 20 lines, and the crate's fast paths
//! rely on inline assembly per architecture that we would have to audit anyway.

use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// Copies `len` bytes from private memory `src` into shared memory `dst` with relaxed atomic
/// stores.
///
/// # Safety
///
/// `src` is valid for reads of `len` bytes and not written concurrently (any alignment). `dst` is
/// 8-byte aligned, valid for writes of `len` bytes, and only ever accessed atomically, with the
/// same word boundaries (through this module), while the call runs.
#[inline]
pub(crate) unsafe fn store(dst: *mut u8, src: *const u8, len: usize) {
    let words = len / 8;
    for i in 0..words {
        // SAFETY: `src + 8i .. +8` is within the `len` readable bytes; unaligned read allowed.
        let w = unsafe { src.add(8 * i).cast::<u64>().read_unaligned() };
        // SAFETY: `dst + 8i` is 8-aligned (dst is) and within the `len` writable bytes, only
        // accessed atomically (caller's contract), so it may be viewed as an `AtomicU64`.
        unsafe { AtomicU64::from_ptr(dst.add(8 * i).cast::<u64>()) }.store(w, Ordering::Relaxed);
    }
    for i in 8 * words..len {
        // SAFETY: `i < len`: within both ranges; the byte of `dst` is only accessed atomically.
        unsafe { AtomicU8::from_ptr(dst.add(i)).store(src.add(i).read(), Ordering::Relaxed) };
    }
}

/// Copies `len` bytes from shared memory `src` into private memory `dst` with relaxed atomic loads.
///
/// # Safety
///
/// `src` is 8-byte aligned, valid for reads of `len` bytes, and only ever accessed atomically,
/// with the same word boundaries, while the call runs. `dst` is valid for writes of `len` bytes
/// (any alignment) and not accessed concurrently.
#[inline]
pub(crate) unsafe fn load(dst: *mut u8, src: *const u8, len: usize) {
    let words = len / 8;
    for i in 0..words {
        // SAFETY: `src + 8i` is 8-aligned and within the readable bytes, only accessed atomically.
        let w = unsafe { AtomicU64::from_ptr(src.add(8 * i).cast::<u64>().cast_mut()) }
            .load(Ordering::Relaxed);
        // SAFETY: within the `len` writable bytes of `dst`; unaligned write allowed.
        unsafe { dst.add(8 * i).cast::<u64>().write_unaligned(w) };
    }
    for i in 8 * words..len {
        // SAFETY: `i < len`: within both ranges; the byte of `src` is only accessed atomically.
        unsafe {
            dst.add(i)
                .write(AtomicU8::from_ptr(src.add(i).cast_mut()).load(Ordering::Relaxed))
        };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_odd_lengths() {
        for len in [0usize, 1, 7, 8, 9, 24, 31] {
            let src: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37) ^ 0x5a).collect();
            let mut shared = vec![0u64; 4];
            let mut out = vec![0u8; len];
            // SAFETY: `shared` is 8-aligned with 32 bytes ≥ len, private to this test; `src` and
            // `out` hold `len` bytes.
            unsafe {
                super::store(shared.as_mut_ptr().cast(), src.as_ptr(), len);
                super::load(out.as_mut_ptr(), shared.as_ptr().cast(), len);
            }
            assert_eq!(out, src);
        }
    }
}
