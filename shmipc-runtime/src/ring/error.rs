//! Why a push or a pop did not happen.

use core::fmt;

/// Why [`Producer::try_push`](super::Producer::try_push) and friends did not push. Carries the
/// value back (or, for batches, what the variant's documentation says).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PushError<T> {
    /// The ring is full (a non-blocking call).
    Full(T),
    /// The ring stayed full for the whole timeout.
    Timeout(T),
    /// The ring is full and the consumer dropped its handle or its process died: nobody will make
    /// room. A new consumer may attach and continue (the ring keeps what is in it).
    Disconnected(T),
    /// The consumer's index is further from the producer's than the capacity allows: a process
    /// wrote garbage into the ring's control block (or truncated its file, which shmipc survives:
    /// see `RawSegment::is_broken`).
    Corrupted(T),
}

impl<T> PushError<T> {
    /// The value that was not pushed.
    pub fn into_inner(self) -> T {
        match self {
            PushError::Full(v)
            | PushError::Timeout(v)
            | PushError::Disconnected(v)
            | PushError::Corrupted(v) => v,
        }
    }

    /// The same error carrying `f(value)`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> PushError<U> {
        match self {
            PushError::Full(v) => PushError::Full(f(v)),
            PushError::Timeout(v) => PushError::Timeout(f(v)),
            PushError::Disconnected(v) => PushError::Disconnected(f(v)),
            PushError::Corrupted(v) => PushError::Corrupted(f(v)),
        }
    }

}

debug_as_sentence!(impl<T> PushError<T> { Full, Timeout, Disconnected, Corrupted });

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PushError::Full(_) => {
                "the ring is full: retry later, or use `push` / `push_timeout` to wait for room"
            }
            PushError::Timeout(_) => {
                "the ring stayed full for the whole timeout: the consumer is slower than the \
                 producer; retry, wait longer, or create the ring with a larger capacity"
            }
            PushError::Disconnected(_) => {
                "the ring is full and its consumer is gone (handle dropped or process died): \
                 start a consumer, which continues where the last one stopped"
            }
            PushError::Corrupted(_) => {
                "the ring's shared indices are corrupted (a process wrote garbage into it): \
                 stop using it, recreate the ring, and find the process that writes to it"
            }
        })
    }
}

impl<T> std::error::Error for PushError<T> {}

/// Why [`Consumer::try_pop`](super::Consumer::try_pop) and friends returned no message.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PopError {
    /// The ring is empty (a non-blocking call).
    #[error("the ring is empty: retry later, or use `pop` / `pop_timeout` to wait for a message")]
    Empty,
    /// The ring stayed empty for the whole timeout.
    #[error(
        "no message arrived within the timeout: retry, wait longer, or check that the producer runs"
    )]
    Timeout,
    /// The ring is empty and the producer dropped its handle or its process died; every message
    /// it committed was delivered before this is reported.
    #[error(
        "the producer is gone (handle dropped or process died) and every message it committed was \
         delivered: stop, or wait for a new producer to attach"
    )]
    Disconnected,
    /// The shared indices or stamps are inconsistent (the producer's index is further than the
    /// capacity, or ahead of a slot that is not written): a process wrote garbage into the ring,
    /// or truncated its file (shmipc survives that: see `RawSegment::is_broken`).
    #[error(
        "the ring's shared state is corrupted (a process wrote garbage into it): stop using it, \
         recreate the ring, and find the process that writes to it"
    )]
    Corrupted,
}

debug_as_sentence!(PopError { Empty, Timeout, Disconnected, Corrupted });
