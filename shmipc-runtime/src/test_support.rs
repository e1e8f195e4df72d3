//! Fixtures shared by the crate's unit tests: unique segment names with the prefix the CI leak
//! check looks for, the guard that unlinks them, a pid that certainly exited, and a small message
//! type with a hand-written layout.

// Under loom the sync and ring tests, which use most of this, are not built.
#![cfg_attr(loom, allow(dead_code))]

use core::sync::atomic::{AtomicU32, Ordering};

use crate::segment::{Builder, SharedPrimitive};
use crate::sys::shm;
use crate::{Endian, FieldLayout, FieldType, Layout, Primitive, SharedLayout};

/// Unlinks the test's segment when dropped, also when an assertion failed first.
pub(crate) struct Unlink(pub(crate) String);

impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = shm::unlink(&self.0);
    }
}

/// A segment name unique to this test and process, `/shmipc-test-<pid>-<n>-<tag>` (the prefix the
/// CI leak check looks for; with a 7-digit pid and a tag of at most 3 bytes it stays within the
/// portable path's 31 bytes for the first million names of a process), and a guard that unlinks it
/// also when an assertion fails first.
pub(crate) fn unique_name(tag: &str) -> (String, Unlink) {
    static N: AtomicU32 = AtomicU32::new(0);
    assert!(tag.len() <= 3, "test tags are at most 3 bytes: {tag:?}");
    let n = format!(
        "/shmipc-test-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    (n.clone(), Unlink(n))
}

/// A new `P` with the default settings under a unique name (see [`unique_name`]), after the guard
/// that unlinks it (so that, bound as `let (_u, p) = …`, the guard is dropped last).
pub(crate) fn create_unique<P: SharedPrimitive>(tag: &str) -> (Unlink, P) {
    let (n, unlink) = unique_name(tag);
    let primitive = Builder::<P>::new(&n).create().unwrap();
    (unlink, primitive)
}

/// Runs `child` in a forked child process and returns its raw wait status. The child does nothing
/// but `child` (no panics, no output: other test threads may hold std's locks) and `_exit`s with
/// what it returns.
pub(crate) fn fork_status(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `child`, which touches shared memory, the allocator (glibc's
    // is fork-safe) and `/proc`, then `_exit`s without running destructors or atexit handlers.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = child();
        // SAFETY: ends the child at once; nothing of the parent's state is flushed or dropped.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a valid out-pointer.
    let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(rc, pid, "waitpid: {}", std::io::Error::last_os_error());
    status
}

/// The pid of a process that certainly exited (spawned and reaped).
pub(crate) fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = c.id();
    c.wait().expect("reap");
    pid
}

/// Two native u64s: `a` and `b = !a` when consistent (a torn copy would break `b == !a`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Pair {
    pub(crate) a: u64,
    pub(crate) b: u64,
}

impl Pair {
    /// The consistent pair of `seq`: `a = seq`, `b = !seq`.
    pub(crate) fn new(seq: u64) -> Pair {
        Pair { a: seq, b: !seq }
    }
}

/// A native `u64` field type, for hand-written test layouts.
pub(crate) static U64: FieldType = FieldType::Primitive(Primitive::U64);
static PAIR_FIELDS: [FieldLayout; 2] = [
    FieldLayout::__new("a", 0, 8, 8, &U64),
    FieldLayout::__new("b", 8, 8, 8, &U64),
];
static PAIR_LAYOUT: Layout = Layout::__new("Pair", 1, Endian::Native, 16, 8, &PAIR_FIELDS);

// SAFETY: repr(C), two u64s (no padding, no pointers, every bit pattern valid, no Drop), described
// truthfully by PAIR_LAYOUT.
unsafe impl SharedLayout for Pair {
    const LAYOUT: &'static Layout = &PAIR_LAYOUT;
    const FINGERPRINT: u64 = PAIR_LAYOUT.fingerprint();
}
