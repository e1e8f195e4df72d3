//! Synchronization that lives in shared memory and survives crashed peers.
//!
//! - [`SharedMutex`]: a robust mutex; a holder that dies is reported to the next locker as
//!   [`LockError::OwnerDied`], with the lock held, and the mutex never becomes unusable.
//! - [`SeqLock`]: one writer publishes, many readers copy the latest value; never torn, never
//!   blocking the writer, and a writer killed mid-write leaves the last value readable.
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
//! The protocol cores (`lock_word`, `seq_protocol`) are model-checked with loom:
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib loom`.

mod atomic;
mod lock_word;
mod seq_protocol;

#[cfg(not(loom))]
mod atomic_copy;
#[cfg(not(loom))]
mod error;
#[cfg(not(loom))]
mod mutex;
#[cfg(not(loom))]
mod owner;
#[cfg(not(loom))]
mod seqlock;
#[cfg(not(loom))]
mod spin;
#[cfg(not(loom))]
pub mod wait;

#[cfg(all(test, loom))]
mod loom_models;

#[cfg(not(loom))]
pub use error::{LockError, SeqLockError, WaitTimedOut};
#[cfg(not(loom))]
pub use mutex::{LockResult, MutexGuard, SharedMutex};
#[cfg(not(loom))]
pub use seqlock::{DEFAULT_READ_TIMEOUT, SeqLock, WriterState};
#[cfg(not(loom))]
pub use wait::WaitCell;

#[cfg(all(test, not(loom)))]
mod tests;
