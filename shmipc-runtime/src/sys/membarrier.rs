//! Asymmetric memory barriers between processes: `membarrier(2)` on Linux.
//!
//! A fast path that must order a store before a load (a ring's "publish, then see whether the
//! peer sleeps") can use a compiler fence instead of a full fence, if the rare other side (the
//! peer about to sleep) issues [`heavy`]: it makes every running thread of every process that
//! called [`register`] execute a full memory barrier, and a thread that is not running passed one
//! when it was switched out. A compiler fence on one side and `heavy` on the other then order
//! like two full fences.
//!
//! On the portable path (and where the kernel refuses, e.g. under a seccomp filter) both return
//! `false`: callers then fence for real, or stop relying on the handshake.

#[cfg(all(target_os = "linux", not(feature = "portable")))]
mod imp {
    const CMD_GLOBAL_EXPEDITED: libc::c_long = 1 << 1;
    const CMD_REGISTER_GLOBAL_EXPEDITED: libc::c_long = 1 << 2;

    fn membarrier(cmd: libc::c_long) -> bool {
        // SAFETY: membarrier takes two integer arguments and touches no memory of ours.
        unsafe {
            libc::syscall(
                libc::SYS_membarrier,
                cmd,
                0 as libc::c_long,
                0 as libc::c_long,
            ) == 0
        }
    }

    pub(crate) fn register() -> bool {
        membarrier(CMD_REGISTER_GLOBAL_EXPEDITED)
    }

    pub(crate) fn heavy() -> bool {
        membarrier(CMD_GLOBAL_EXPEDITED)
    }
}

#[cfg(not(all(target_os = "linux", not(feature = "portable"))))]
mod imp {
    pub(crate) fn register() -> bool {
        false
    }

    pub(crate) fn heavy() -> bool {
        false
    }
}

/// Registers the calling process as a target of [`heavy`] (idempotent; a system call, so call it
/// when a handle is created, not per operation). `false`: not registered, the process must use
/// full fences where it relies on others' `heavy`.
pub fn register() -> bool {
    imp::register()
}

/// A full memory barrier on every running thread of every registered process (and this one).
/// `false` when the system does not provide it (nothing was done).
pub fn heavy() -> bool {
    imp::heavy()
}

#[cfg(test)]
mod tests {
    #[test]
    fn register_then_heavy() {
        if super::register() {
            assert!(super::heavy());
        }
        assert!(!crate::sys::PORTABLE || !super::heavy());
    }
}
