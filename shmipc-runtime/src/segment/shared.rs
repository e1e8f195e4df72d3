//! Copies between private memory and memory another process may write at the same time.
//!
//! Bytes are moved one relaxed atomic byte at a time: a peer writing concurrently can only make
//! the copy see a mix of old and new bytes, never make this process read memory it should not.

use core::sync::atomic::{AtomicU8, AtomicU32, Ordering};

/// Copies `dst.len()` bytes from `src` into `dst`.
///
/// # Safety
///
/// `src .. src + dst.len()` must lie inside a live shared mapping, and nothing in this process may
/// access those bytes non-atomically or with atomics of another size while the copy runs.
pub(crate) unsafe fn copy_from_shared(src: *const u8, dst: &mut [u8]) {
    for (i, d) in dst.iter_mut().enumerate() {
        // SAFETY: `src + i` is inside the mapping (caller), any address is aligned for `u8`, and
        // the caller rules out conflicting non-atomic or mixed-size accesses.
        *d = unsafe { AtomicU8::from_ptr(src.add(i).cast_mut()) }.load(Ordering::Relaxed);
    }
}

/// Copies `src` to `dst .. dst + src.len()`.
///
/// # Safety
///
/// As for [`copy_from_shared`], for writes.
pub(crate) unsafe fn copy_to_shared(src: &[u8], dst: *mut u8) {
    for (i, s) in src.iter().enumerate() {
        // SAFETY: as in `copy_from_shared`.
        unsafe { AtomicU8::from_ptr(dst.add(i)) }.store(*s, Ordering::Relaxed);
    }
}

/// The 32-bit word at `ptr`, viewed as an atomic.
///
/// # Safety
///
/// `ptr` must be 4-byte aligned inside a live shared mapping that outlives `'a`, and accessed
/// only through 32-bit atomics in this process.
pub(crate) unsafe fn atomic_u32<'a>(ptr: *mut u8) -> &'a AtomicU32 {
    // SAFETY: aligned, live for 'a and only accessed atomically (caller); every bit pattern is a
    // valid `u32`.
    unsafe { AtomicU32::from_ptr(ptr.cast()) }
}
