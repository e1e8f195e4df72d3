//! [`MpmcProducer`]: a writing end of an [`MpmcRing`](super::MpmcRing).

use core::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::error::PushError;
use super::mpmc::MpmcInner;
use super::mpmc_end::{Miss, MpmcEnd, end_accessors};
use super::mpmc_recovery::Role;
use super::producer::{stop_error, store_value};
use super::wait::{Stop, WaitStrategy};
use crate::SharedLayout;

/// A writing end of an [`MpmcRing`](super::MpmcRing); any number per ring, in any process.
/// Dropping the last one (of every process) lets the consumers report
/// [`PopError::Disconnected`](super::PopError::Disconnected) once they have read everything.
///
/// `Send` (when `T` is), not `Sync`: every call takes `&mut self`; give each thread its own
/// handle (they are cheap: [`MpmcRing::producer`](super::MpmcRing::producer)).
///
/// A push costs no system call unless a consumer sleeps on an empty ring.
pub struct MpmcProducer<T: SharedLayout> {
    end: MpmcEnd,
    _type: PhantomData<fn(T)>,
}

impl<T: SharedLayout> core::fmt::Debug for MpmcProducer<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.end.debug(f, "MpmcProducer", None)
    }
}

// SAFETY: the handle owns its `Arc` of the mapping; every shared access is atomic or a copy
// under the protocol. Values of `T` move through it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for MpmcProducer<T> {}

impl<T: SharedLayout> MpmcProducer<T> {
    pub(super) fn attach(inner: Arc<MpmcInner>, wait: WaitStrategy) -> MpmcProducer<T> {
        MpmcProducer {
            end: MpmcEnd::new(inner, wait, Role::Producer),
            _type: PhantomData,
        }
    }

    /// One push by `e`: claim, copy, publish, wake a parked consumer.
    #[inline]
    fn put(e: &MpmcEnd, value: *const T) -> Result<(), Miss> {
        let pos = e
            .ring()
            .claim_write(&e.slots.control().producers.index, e.tag)
            .map_err(Miss::Stall)?;
        e.complete(pos, |slots, slot| store_value(slots, slot, value), |r, pos, me| r.publish(pos, me))
    }

    /// Pushes `value`, waiting at most `timeout` (`Some(ZERO)`: not at all; then `Timeout`
    /// stands for full) while the ring is full.
    fn put_within(&mut self, value: *const T, timeout: Option<Duration>) -> Result<(), Stop> {
        self.end.retry(timeout, |e| Self::put(e, value))
    }

    /// Pushes `value` if a slot is free; gives it back in `Full` otherwise (or `Disconnected`
    /// when the ring is full and every consumer is gone).
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        self.put_within(&value, Some(Duration::ZERO))
            .map_err(|s| try_error(s, value))
    }

    /// Pushes `value`, waiting while the ring is full. Fails only when the ring is full and
    /// every consumer is gone (`Disconnected`), or on corruption.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        self.put_within(&value, None)
            .map_err(|s| stop_error(s, value))
    }

    /// Pushes `value`, waiting at most `timeout` while the ring is full.
    pub fn push_timeout(&mut self, value: T, timeout: Duration) -> Result<(), PushError<T>> {
        self.put_within(&value, Some(timeout.max(Duration::from_nanos(1))))
            .map_err(|s| stop_error(s, value))
    }

    /// Pushes a copy of `*value`, waiting while the ring is full (a large value never has to be
    /// on the stack).
    pub fn push_ref(&mut self, value: &T) -> Result<(), PushError<()>>
    where
        T: Copy,
    {
        self.put_within(value, None).map_err(|s| stop_error(s, ()))
    }

    /// Pushes a copy of `*value` if a slot is free.
    pub fn try_push_ref(&mut self, value: &T) -> Result<(), PushError<()>>
    where
        T: Copy,
    {
        self.put_within(value, Some(Duration::ZERO))
            .map_err(|s| try_error(s, ()))
    }

    /// Pushes as many of `values` as fit now (from the front); returns how many. `Err` only
    /// when none fit (`Full`, `Disconnected`) or on corruption; an empty slice gives `Ok(0)`.
    /// Each message is claimed and published on its own (other producers' messages may be
    /// interleaved).
    pub fn try_push_slice(&mut self, values: &[T]) -> Result<usize, PushError<()>>
    where
        T: Copy,
    {
        for (i, v) in values.iter().enumerate() {
            if let Err(s) = self.put_within(v, Some(Duration::ZERO)) {
                return match (i, s) {
                    (_, Stop::Corrupted) | (0, _) => Err(try_error(s, ())),
                    _ => Ok(i),
                };
            }
        }
        Ok(values.len())
    }

    /// Pushes all of `values` in order, waiting while the ring is full. On failure the error
    /// carries how many were pushed.
    pub fn push_slice(&mut self, values: &[T]) -> Result<(), PushError<usize>>
    where
        T: Copy,
    {
        for (i, v) in values.iter().enumerate() {
            self.put_within(v, None).map_err(|s| stop_error(s, i))?;
        }
        Ok(())
    }

    end_accessors!();
}

/// The error of a non-blocking push (`Timeout` there means full).
fn try_error<V>(stop: Stop, value: V) -> PushError<V> {
    match stop {
        Stop::Timeout => PushError::Full(value),
        s => stop_error(s, value),
    }
}
