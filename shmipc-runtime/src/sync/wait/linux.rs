//! Linux: `futex(2)` without `FUTEX_PRIVATE_FLAG`, so the kernel keys the wait queue by the
//! mapping's inode and offset and a waiter in one process is woken by a waker in another.

use core::ptr;
use core::sync::atomic::AtomicU32;
use std::time::Duration;

/// Sleeps while `*word == expected`, at most `timeout`. Returns `false` only when the timeout
/// elapsed; `true` on a wake-up, a changed value, a signal or a spurious return.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> bool {
    let ts = timeout.map(|d| libc::timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word.as_ptr()` is a valid, aligned 4-byte word for the duration of the call (it is
    // borrowed); FUTEX_WAIT only reads it, atomically in the kernel. `ts_ptr` is null or points to
    // `ts`, a timespec living until the call returns. The last two arguments are ignored by
    // FUTEX_WAIT.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            ts_ptr,
            ptr::null::<u32>(),
            0u32,
        )
    };
    !(rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT))
}

/// Wakes up to `count` sleepers on `word`; returns how many were woken.
pub(crate) fn wake(word: &AtomicU32, count: u32) -> usize {
    let count = count.min(i32::MAX as u32) as libc::c_int;
    // SAFETY: FUTEX_WAKE does not access the memory at `word` at all (it only uses the address to
    // find the wait queue); the remaining arguments are ignored for FUTEX_WAKE.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            count,
            ptr::null::<libc::timespec>(),
            ptr::null::<u32>(),
            0u32,
        )
    };
    rc.max(0) as usize
}
