//! Errors of the synchronization primitives.

use std::time::Duration;

/// Why [`SharedMutex::lock`](super::SharedMutex::lock) and friends did not return a plain guard.
///
/// `OwnerDied` and `Corrupted` carry the guard: the lock **is held**. Repair the data, then call
/// [`MutexGuard::mark_consistent`](super::MutexGuard::mark_consistent); a guard dropped without it
/// leaves the next locker told `OwnerDied` again. The mutex never becomes unusable.
#[derive(thiserror::Error)]
pub enum LockError<G> {
    /// The previous holder died holding the lock (or panicked while holding it, or a later holder
    /// released it without marking the data consistent). The lock is now held by the caller.
    #[error(
        "the previous holder died holding the lock; the data may be inconsistent (the lock is \
         held: repair it, then mark it consistent)"
    )]
    OwnerDied(G),
    /// The lock word held bits that no correct process writes (the value is given). It was
    /// replaced; the lock is held by the caller and the data is suspect, as with `OwnerDied`.
    #[error("the lock word was corrupted ({word:#010x}); it was replaced and the lock is held")]
    Corrupted {
        /// The guard of the now held lock.
        guard: G,
        /// The garbage that was found in the lock word.
        word: u32,
    },
    /// [`lock_timeout`](super::SharedMutex::lock_timeout) gave up.
    #[error("timed out waiting for the lock")]
    Timeout,
    /// [`try_lock`](super::SharedMutex::try_lock) found the lock held by a live owner.
    #[error("the lock is held by another thread or process")]
    WouldBlock,
}

impl<G> LockError<G> {
    /// The guard, when the lock was obtained despite the error (`OwnerDied`, `Corrupted`).
    pub fn into_guard(self) -> Option<G> {
        match self {
            LockError::OwnerDied(g) | LockError::Corrupted { guard: g, .. } => Some(g),
            LockError::Timeout | LockError::WouldBlock => None,
        }
    }

    /// Whether the lock was obtained (`OwnerDied` or `Corrupted`).
    pub fn is_held(&self) -> bool {
        matches!(self, LockError::OwnerDied(_) | LockError::Corrupted { .. })
    }
}

debug_as_sentence!(impl<G> LockError<G> { OwnerDied, Corrupted, Timeout, WouldBlock });

/// Errors of [`SeqLock`](super::SeqLock).
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeqLockError {
    /// Nothing was written yet (or the first writer died during its first write).
    #[error("no value has been written yet: wait for the writer, e.g. with `wait_newer(0, ..)`")]
    Empty,
    /// Another live writer holds the writer role (its pid is given).
    #[error(
        "process {pid} is the writer; a seqlock has one writer at a time: stop that writer, or let this process only read"
    )]
    WriterBusy {
        /// The current writer's pid.
        pid: u32,
    },
    /// No consistent copy could be taken within the bound: the writer completes writes faster than
    /// this reader copies (or a hostile peer keeps changing the sequence word).
    #[error(
        "no consistent copy within {0:?}: the writer completes writes faster than this reader copies; retry, or read with a longer timeout"
    )]
    Timeout(Duration),
    /// [`wait_newer`](super::SeqLockReader::wait_newer) saw no newer value published within the
    /// timeout (given).
    #[error(
        "no newer value was published within {0:?}: retry, wait longer, or check that the writer runs"
    )]
    NoNewerValue(Duration),
}

/// A [`WaitCell`](super::WaitCell) wait ran out of time.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timed out waiting for the value to change")]
pub struct WaitTimedOut;

debug_as_sentence!(SeqLockError { Empty, WriterBusy, Timeout, NoNewerValue });
debug_as_sentence!(struct WaitTimedOut);
