//! Synchronization that lives in shared memory and survives crashed peers.
//!
//! - [`SharedMutex`]: a robust mutex; a holder that dies is reported to the next locker as
//!   [`LockError::OwnerDied`], with the lock held, and the mutex never becomes unusable.
//! - [`SeqLock`]: one writer publishes, many readers copy the latest value; never torn, never
//!   blocking the writer, and a writer killed mid-write leaves the last value readable. Readers
//!   can wait for a newer value; [`SeqLockReader`] is a read-only reader.
//! - [`WaitCell`]: wait and wake on a 32-bit word (futex without the private flag on Linux; a
//!   bounded poll on the portable path), with timeouts and no system call when nobody waits.
//!
//! Every state word is all zero initially (unlocked, no value, nobody waiting), so a zero-filled
//! segment is ready to use. Every word another process writes is treated as untrusted: garbage
//! yields an error or a recovery, never undefined behaviour or a wait without end.
//!
//! # Why the mutex is our own futex lock, not a POSIX robust mutex
//!
//! A `PTHREAD_MUTEX_ROBUST` process-shared mutex has a libc-defined size and layout (so a segment
//! could not describe its own bytes, and processes built against different C libraries would
//! disagree), does not exist on macOS, becomes unusable forever if unlocked after `EOWNERDEAD`
//! without `pthread_mutex_consistent`, and is opaque, so a peer's garbage is undefined behaviour
//! inside libc. Our lock is one documented 32-bit word holding the owner's pid (written by the
//! acquiring CAS itself), an "inconsistent" bit and a "waiters" bit, beside a 64-bit owner record
//! (pid + process start time, to survive pid reuse). Lockers detect a dead owner themselves (gone,
//! zombie, or another start time); the cost is that a sleeping waiter notices a death after its
//! current sleep slice (1 ms, doubling to 64 ms) instead of at once. The races and their answers
//! are listed in `mutex.rs`.
//!
//! # Payload layouts (native byte order; all zero is the initial state)
//!
//! | segment kind | offset | size | content |
//! | --- | --- | --- | --- |
//! | `Mutex` | 0 | 4 | lock word: owner pid (bits 0–21), reserved zero (22–29), inconsistent (30), waiters (31) |
//! | | 4 | 4 | owner's pid namespace tag (inode of its `/proc/self/ns/pid`), 0 when unknown or unlocked |
//! | | 8 | 8 | owner record: pid (bits 0–21), process start time in clock ticks (22–63), 0 when unlocked |
//! | | 16 | 48 | padding, zero |
//! | | 64, or `align_of::<T>()` if larger (at most 4096) | `size_of::<T>()` | the value |
//! | `SeqLock` | 0 | 8 | sequence: completed writes, 0 = no value |
//! | | 8 | 4 | writer token word (same encoding as the lock word) |
//! | | 12 | 4 | writer token owner's pid namespace tag |
//! | | 16 | 8 | writer token owner record |
//! | | 24 | 4 | published: the sequence's low 32 bits, stored after each write (a [`WaitCell`]'s value) |
//! | | 28 | 4 | published: readers sleeping in `wait_newer` (the wait cell's waiter count) |
//! | | 32 | 96 | reserved, zero |
//! | | 128 + i·S | `size_of::<T>()` | slot i of 4: the value; value k is in slot k % 4 |
//! | | 128 + i·S + P | 8 | slot i's stamp: 2k − 1 while write k fills it, 2k once complete (0: never written); P = `size_of::<T>()` rounded up to 8, S = P + 8 rounded up to 64 |
//!
//! The mutex's bytes 0–63 and the seqlock's bytes 0–127 are a `#[repr(C)]` control block of
//! atomics (`MutexControl` in `mutex.rs`, `SeqLockControl` in `seqlock.rs`, whose writer token is
//! a [`RoleToken`] and whose `published` word is a [`WaitCell`]), reached through
//! [`RawSegment::control`](crate::segment::RawSegment::control); `pin_offsets!` (compile-time `offset_of!` checks) beside
//! each pin it to this table. A lock word, its namespace tag and its owner record are always one
//! 16-byte `LockWords` (`lock_word.rs`).
//!
//! A [`WaitCell`] is 8 bytes wherever its user puts it: the value (offset 0) and the waiter count
//! (offset 4).
//!
//! # Platforms
//!
//! On Linux, owner death is read from `/proc/PID/stat` (gone, zombie, or another start time) and
//! `kill(pid, 0)`, and only a proven death counts: an owner of another pid namespace or of one
//! it could not read, or one that `/proc` hides while `kill` finds its pid, counts as alive, so
//! waits on it time out instead of taking over (see `sys/process.rs`). A holder that `exec`s keeps its pid and start time, so its
//! locks and roles stay held until it exits: drop guards and release roles before `exec`. On
//! the portable path (other systems, or the `portable` feature) it is `kill(pid, 0)`: pid reuse is
//! not detected, and a holder that died but is not yet reaped by its parent looks alive until it
//! is; waiting is polling with sleeps of up to 1 ms.
//!
//! The protocol cores (`lock_word`, `seq_protocol`) are model-checked with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib loom`.

pub(crate) mod atomic;
// Under loom only the models use these, and only in test builds.
#[cfg_attr(loom, allow(dead_code))]
mod lock_word;
#[cfg_attr(loom, allow(dead_code))]
mod seq_protocol;

not_under_loom! {
    pub(crate) mod atomic_copy;
    mod error;
    mod guard;
    mod mutex;
    mod owner;
    mod role;
    mod seqlock;
    mod seqlock_read;
    mod snapshot;
    mod spin;
    pub mod wait;

    pub use error::{LockError, SeqLockError, WaitTimedOut};
    pub use mutex::{LockResult, MutexGuard, SharedMutex};
    pub use role::{RoleHolder, RoleToken};
    pub use seqlock::{SeqLock, WriterState};
    pub use seqlock_read::{DEFAULT_READ_TIMEOUT, SeqLockReader};
    pub use snapshot::{LockSnapshot, SeqLockSnapshot, mutex_snapshot, seqlock_snapshot};
    pub use wait::WaitCell;
}

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, loom))]
mod seq_loom_models;
#[cfg(all(test, not(loom)))]
mod tests;
