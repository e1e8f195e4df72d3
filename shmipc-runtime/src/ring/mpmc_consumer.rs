//! [`MpmcConsumer`]: a reading end of an [`MpmcRing`](super::MpmcRing).

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use std::sync::Arc;
use std::time::Duration;

use super::consumer::load_value;
use super::error::PopError;
use super::mpmc::MpmcInner;
use super::mpmc_end::{Miss, MpmcEnd, end_accessors};
use super::mpmc_recovery::Role;
use super::wait::{Stop, WaitStrategy};
use crate::SharedLayout;

/// A reading end of an [`MpmcRing`](super::MpmcRing); any number per ring, in any process.
/// Each committed message goes to exactly one consumer.
///
/// `Send` (when `T` is), not `Sync`: every call takes `&mut self`; give each thread its own
/// handle ([`MpmcRing::consumer`](super::MpmcRing::consumer)).
///
/// A pop costs no system call unless a producer sleeps on a full ring.
pub struct MpmcConsumer<T: SharedLayout> {
    end: MpmcEnd,
    skipped: u64,
    _type: PhantomData<fn() -> T>,
}

impl<T: SharedLayout> core::fmt::Debug for MpmcConsumer<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.end.debug(f, "MpmcConsumer", Some(self.skipped))
    }
}

// SAFETY: the handle owns its `Arc` of the mapping; every shared access is atomic or a copy
// under the protocol. Values of `T` come out of it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for MpmcConsumer<T> {}

impl<T: SharedLayout> MpmcConsumer<T> {
    pub(super) fn attach(inner: Arc<MpmcInner>, wait: WaitStrategy) -> MpmcConsumer<T> {
        MpmcConsumer {
            end: MpmcEnd::new(inner, wait, Role::Consumer),
            skipped: 0,
            _type: PhantomData,
        }
    }

    /// One pop by `e`: claim, copy into `dst`, release, wake a parked producer; skipped slots
    /// on the way are counted in `skipped`.
    #[inline]
    fn take(e: &MpmcEnd, skipped: &mut u64, dst: *mut T) -> Result<(), Miss> {
        let ring = e.ring();
        let before = *skipped;
        let claimed = ring.claim_read(&e.slots.control().consumers.index, e.tag, skipped);
        if *skipped != before {
            // Skipped slots were freed: room for producers.
            e.notify();
        }
        let pos = claimed.map_err(Miss::Stall)?;
        e.complete(pos, |slots, slot| load_value(slots, slot, dst), |r, pos, me| r.release(pos, me))
    }

    /// Pops into `dst`, waiting at most `timeout` (`Some(ZERO)`: not at all; then `Empty`).
    /// Once every producer is gone it delivers what is committed (and recovers what a dead
    /// producer left at the head), then reports it.
    fn take_within(&mut self, dst: *mut T, timeout: Option<Duration>) -> Result<(), PopError> {
        let skipped = &mut self.skipped;
        self.end
            .retry(timeout, |e| Self::take(e, skipped, dst))
            .map_err(|stop| match stop {
                Stop::Timeout if timeout == Some(Duration::ZERO) => PopError::Empty,
                Stop::Timeout => PopError::Timeout,
                Stop::Disconnected => PopError::Disconnected,
                Stop::Corrupted => PopError::Corrupted,
            })
    }

    fn pop_into(&mut self, timeout: Option<Duration>) -> Result<T, PopError> {
        let mut out = MaybeUninit::<T>::uninit();
        self.take_within(out.as_mut_ptr(), timeout)?;
        // SAFETY: the copy wrote every byte of `out`; a `SharedLayout` type is valid for every
        // bit pattern.
        Ok(unsafe { out.assume_init() })
    }

    /// Takes the next message if one is committed.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, PopError> {
        self.pop_into(Some(Duration::ZERO))
    }

    /// Takes the next message, waiting while the ring is empty. Once every producer is gone
    /// (dropped, or its process died), returns every message still committed, then
    /// `Disconnected`. Before any producer attached, it waits for one.
    #[inline]
    pub fn pop(&mut self) -> Result<T, PopError> {
        self.pop_into(None)
    }

    /// Takes the next message, waiting at most `timeout`.
    pub fn pop_timeout(&mut self, timeout: Duration) -> Result<T, PopError> {
        self.pop_into(Some(timeout.max(Duration::from_nanos(1))))
    }

    /// Copies the next message into `*out`, waiting while the ring is empty (a large value
    /// never has to be on the stack: `pop_into_ref(&mut boxed)`).
    pub fn pop_to(&mut self, out: &mut T) -> Result<(), PopError> {
        self.take_within(out, None)
    }

    /// Moves as many committed messages as fit into `out` (each claimed on its own); returns
    /// how many. `Err` when none is committed (`Empty`, `Disconnected`); an empty `out` gives
    /// `Ok(0)`.
    pub fn try_pop_slice(&mut self, out: &mut [T]) -> Result<usize, PopError> {
        for (i, slot) in out.iter_mut().enumerate() {
            if let Err(e) = self.take_within(slot, Some(Duration::ZERO)) {
                return if i == 0 || e == PopError::Corrupted {
                    Err(e)
                } else {
                    Ok(i)
                };
            }
        }
        Ok(out.len())
    }

    /// Waits until at least one message is committed, then moves as many as are committed and
    /// fit into `out`; returns how many (at least one, unless `out` is empty).
    pub fn pop_slice(&mut self, out: &mut [T]) -> Result<usize, PopError> {
        let Some((first, rest)) = out.split_first_mut() else {
            return Ok(0);
        };
        self.take_within(first, None)?;
        Ok(1 + self.try_pop_slice(rest).unwrap_or(0))
    }

    /// Slots that dead producers had claimed and that this handle skipped (their messages were
    /// never committed).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    end_accessors!();
}
