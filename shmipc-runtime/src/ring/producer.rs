//! [`Producer`]: the writing end, and [`WriteChunk`], slots reserved for writing in place.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::chunk::{Span, chunk_basics};
use super::endpoint::{Endpoint, end_queries};
use super::control::STATE_ATTACHED;
use super::error::PushError;
use super::spsc::{Inner, Slots};
use super::spsc_protocol::{Corrupted, ProducerCore, WaitWords, recover_tail};
use super::wait::{self, Side, Stop, WaitStrategy};
use crate::SharedLayout;
use crate::sync::RoleHolder;

/// The writing end of an [`SpscRing`](super::SpscRing); one per ring at a time, across all
/// processes. Dropping it tells the consumer (which then reports
/// [`PopError::Disconnected`](super::PopError::Disconnected) once it has read everything) and
/// gives the role up.
///
/// A push costs no system call unless the consumer sleeps on an empty ring.
pub struct Producer<T: SharedLayout> {
    end: Endpoint,
    core: ProducerCore,
    _type: PhantomData<fn(T)>,
}

impl<T: SharedLayout> core::fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.end.debug(f, "Producer", ("tail", self.core.tail))
    }
}

// SAFETY: the handle owns its `Arc` of the mapping and private indices; every shared access is
// atomic. Values of `T` move through it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for Producer<T> {}

impl<T: SharedLayout> Producer<T> {
    /// Called with the producer role just claimed.
    pub(super) fn attach(inner: Arc<Inner>, wait: WaitStrategy) -> Producer<T> {
        let end = Endpoint::new(inner, wait);
        let c = end.inner.control();
        let capacity = end.inner.capacity as u64;
        let head = c.consumer.index.load(Ordering::Acquire);
        let tail = recover_tail(
            capacity,
            c.producer.index.load(Ordering::Acquire),
            head,
            &end.slots,
        );
        c.producer.index.store(tail, Ordering::Release);
        c.producer.state.store(STATE_ATTACHED, Ordering::Release);
        Producer {
            core: ProducerCore::new(capacity, tail, head),
            end,
            _type: PhantomData,
        }
    }

    /// Writes `value` into the slot of the `k`-th message after the last committed one (which
    /// `writable` gave this producer).
    #[inline]
    fn write_slot(&self, k: u64, value: *const T) {
        store_value::<T, _>(&self.end.slots, self.core.slot(k), value);
    }

    /// Pushes one message (the protocol core's `try_put`) and wakes a parked consumer.
    /// `Ok(false)`: full.
    #[inline]
    fn put(&mut self, value: *const T) -> Result<bool, Corrupted> {
        let slots = self.end.slots;
        let c = slots.control();
        let done = self
            .core
            .try_put(&c.consumer.index, &slots, &c.producer.index, |slot| {
                store_value::<T, _>(&slots, slot, value)
            })?;
        if done {
            wait::notify(self.wake_words(), self.end.light);
        }
        Ok(done)
    }

    #[inline]
    fn commit(&mut self, n: u64) {
        let c = self.end.slots.control();
        self.core.commit(n, &self.end.slots, &c.producer.index);
        wait::notify(self.wake_words(), self.end.light);
    }

    fn wake_words(&self) -> WaitWords<'_> {
        wait::words_of(&self.end.slots.control().producer.wake)
    }

    /// How many slots are free now, at most `want`: 0 when full.
    #[inline]
    fn free(&mut self, want: u64) -> Result<u64, Corrupted> {
        let c = self.end.slots.control();
        self.core.writable(&c.consumer.index, want)
    }

    /// Full, or disconnected (the consumer's handle is closed, or now and then: it died).
    fn full<V>(&mut self, value: V) -> PushError<V> {
        let closed = self.peer_closed()
            || (self.end.probe.due() && {
                self.end.probe.checked();
                matches!(
                    self.end.slots.control().consumer.role.holder(),
                    RoleHolder::Dead(_)
                )
            });
        if closed {
            PushError::Disconnected(value)
        } else {
            PushError::Full(value)
        }
    }

    /// Pushes `value` if a slot is free; gives it back in `Full` otherwise (or `Disconnected`
    /// when the ring is full and the consumer is gone).
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        match self.put(&value) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.full(value)),
            Err(_) => Err(PushError::Corrupted(value)),
        }
    }

    /// Pushes `value`, waiting while the ring is full. Fails only when the ring is full and the
    /// consumer is gone (`Disconnected`), or on corruption.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        self.push_within(value, None)
    }

    /// Pushes `value`, waiting at most `timeout` while the ring is full.
    pub fn push_timeout(&mut self, value: T, timeout: Duration) -> Result<(), PushError<T>> {
        self.push_within(value, Some(timeout))
    }

    fn push_within(&mut self, value: T, timeout: Option<Duration>) -> Result<(), PushError<T>> {
        match self.put(&value) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(_) => return Err(PushError::Corrupted(value)),
        }
        if let Err(stop) = self.wait_free(timeout) {
            return Err(stop_error(stop, value));
        }
        match self.put(&value) {
            Ok(true) => Ok(()),
            // A free slot that is gone again: the head moved backwards.
            Ok(false) | Err(_) => Err(PushError::Corrupted(value)),
        }
    }

    /// Pushes a copy of `*value`, waiting while the ring is full: a large value never has to be
    /// on the stack (`push_ref(&boxed)`).
    #[inline]
    pub fn push_ref(&mut self, value: &T) -> Result<(), PushError<()>>
    where
        T: Copy,
    {
        match self.put(value) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(_) => return Err(PushError::Corrupted(())),
        }
        self.wait_free(None).map_err(|s| stop_error(s, ()))?;
        match self.put(value) {
            Ok(true) => Ok(()),
            Ok(false) | Err(_) => Err(PushError::Corrupted(())),
        }
    }

    /// Pushes a copy of `*value` if a slot is free.
    pub fn try_push_ref(&mut self, value: &T) -> Result<(), PushError<()>>
    where
        T: Copy,
    {
        match self.put(value) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.full(())),
            Err(_) => Err(PushError::Corrupted(())),
        }
    }

    /// Pushes as many of `values` as fit now (from the front), publishing them with one index
    /// store; returns how many. `Err` only when none fit (`Full`, `Disconnected`) or on
    /// corruption; an empty slice gives `Ok(0)`.
    pub fn try_push_slice(&mut self, values: &[T]) -> Result<usize, PushError<()>>
    where
        T: Copy,
    {
        if values.is_empty() {
            return Ok(0);
        }
        let n = match self.free(values.len() as u64) {
            Ok(0) => return Err(self.full(())),
            Ok(n) => n,
            Err(_) => return Err(PushError::Corrupted(())),
        };
        self.write_run(&values[..n as usize]);
        Ok(n as usize)
    }

    /// Pushes all of `values`, waiting while the ring is full, publishing once per run of free
    /// slots. On failure the error carries how many were pushed.
    pub fn push_slice(&mut self, values: &[T]) -> Result<(), PushError<usize>>
    where
        T: Copy,
    {
        let mut done = 0;
        while done < values.len() {
            let want = (values.len() - done) as u64;
            // One look at the consumer's head per run (its line is the consumer's hot line);
            // again only after waiting.
            let n = match self.free(want) {
                Ok(0) => {
                    self.wait_free(None).map_err(|s| stop_error(s, done))?;
                    match self.free(want) {
                        Ok(0) | Err(_) => return Err(PushError::Corrupted(done)),
                        Ok(n) => n,
                    }
                }
                Ok(n) => n,
                Err(_) => return Err(PushError::Corrupted(done)),
            };
            self.write_run(&values[done..done + n as usize]);
            done += n as usize;
        }
        Ok(())
    }

    fn write_run(&mut self, values: &[T])
    where
        T: Copy,
    {
        let slots = self.end.slots;
        let c = slots.control();
        let src = values.as_ptr();
        self.core
            .put_run(values.len() as u64, &slots, &c.producer.index, |k, slot| {
                // `k < values.len()`: `put_run` writes exactly `n` values.
                store_value::<T, _>(&slots, slot, src.wrapping_add(k as usize))
            });
        wait::notify(self.wake_words(), self.end.light);
    }

    /// Reserves up to `max` free slots (at least one; `max` 0 counts as 1) to write in place,
    /// without waiting:
    /// `Full` when none is free. Nothing is published until [`WriteChunk::commit`].
    pub fn try_reserve(&mut self, max: usize) -> Result<WriteChunk<'_, T>, PushError<()>> {
        let n = match self.free(max.max(1) as u64) {
            Ok(0) => return Err(self.full(())),
            Ok(n) => n,
            Err(_) => return Err(PushError::Corrupted(())),
        };
        Ok(WriteChunk {
            span: Span::new(n as usize),
            producer: self,
        })
    }

    /// Reserves up to `max` free slots (at least one), waiting while the ring is full.
    pub fn reserve(&mut self, max: usize) -> Result<WriteChunk<'_, T>, PushError<()>> {
        self.reserve_within(max, None)
    }

    /// Reserves up to `max` free slots (at least one), waiting at most `timeout`.
    pub fn reserve_timeout(
        &mut self,
        max: usize,
        timeout: Duration,
    ) -> Result<WriteChunk<'_, T>, PushError<()>> {
        self.reserve_within(max, Some(timeout))
    }

    fn reserve_within(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<WriteChunk<'_, T>, PushError<()>> {
        let want = max.max(1) as u64;
        let n = match self.free(want) {
            Ok(0) => {
                self.wait_free(timeout).map_err(|s| stop_error(s, ()))?;
                match self.free(want) {
                    Ok(0) | Err(_) => return Err(PushError::Corrupted(())),
                    Ok(n) => n,
                }
            }
            Ok(n) => n,
            Err(_) => return Err(PushError::Corrupted(())),
        };
        Ok(WriteChunk {
            span: Span::new(n as usize),
            producer: self,
        })
    }

    /// Waits until a slot is free.
    fn wait_free(&mut self, timeout: Option<Duration>) -> Result<u64, Stop> {
        match self.free(1) {
            Ok(0) => {}
            Ok(n) => return Ok(n),
            Err(_) => return Err(Stop::Corrupted),
        }
        wait::block(self, timeout)
    }

    /// Messages committed and not yet released by the consumer (a snapshot).
    pub fn len(&self) -> usize {
        let head = self.end.slots.control().consumer.index.load(Ordering::Acquire);
        (self.core.tail.wrapping_sub(head)).min(self.core.capacity) as usize
    }

    /// Whether the consumer released every committed message (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    end_queries! {
        /// Whether a live process holds the consumer role (a snapshot; reads `/proc`).
        consumer_alive => consumer;
    }
}

impl<T: SharedLayout> Side for Producer<T> {
    wait::side_end!(Producer);

    fn ready(&mut self) -> u64 {
        // Corruption is reported by `check`; here it only means "nothing to do yet".
        self.free(1).unwrap_or(0)
    }

    fn plenty(&self) -> u64 {
        (self.core.capacity / 4).clamp(1, 128)
    }

    fn own_index(&self) -> u64 {
        self.core.tail
    }

    fn check_peer_index(&mut self, peer_index: &AtomicU64) -> Result<(), Corrupted> {
        self.core.refresh(peer_index)
    }

}

/// Copies `*value` into the value of slot `slot`.
#[inline]
pub(super) fn store_value<T, C>(slots: &Slots<C>, slot: usize, value: *const T) {
    // SAFETY: the protocol gave this producer the slot (the consumer released it); `value` is
    // readable for `size_of::<T>()` bytes and not written meanwhile (it is owned by the caller,
    // or a `&T` of a `Copy` type: no interior mutability).
    unsafe { slots.store_value(slot, value) };
}

pub(super) fn stop_error<V>(stop: Stop, value: V) -> PushError<V> {
    match stop {
        Stop::Timeout => PushError::Timeout(value),
        Stop::Disconnected => PushError::Disconnected(value),
        Stop::Corrupted => PushError::Corrupted(value),
    }
}

impl<T: SharedLayout> Drop for Producer<T> {
    fn drop(&mut self) {
        self.close();
    }
}

chunk_basics! {
    /// Slots reserved by [`Producer::try_reserve`] / [`Producer::reserve`], written in place and
    /// published by [`commit`](Self::commit). Dropping it without committing publishes nothing (the
    /// slots are reserved again by the next call).
    ///
    /// The slots' bytes are whatever they held before (an older message, or zeroes): every bit
    /// pattern is a valid `T`, so committing a slot that was not fully written sends those bytes,
    /// never undefined behaviour.
    pub struct WriteChunk { producer: Producer }
    "reserved slots"
}

impl<T: SharedLayout> WriteChunk<'_, T> {
    /// The value of reserved slot `i`, aligned for `T`, valid for reads and writes of one `T`
    /// while the chunk lives.
    ///
    /// Writing through it is `unsafe`: the slot lies in memory other processes map. The protocol
    /// gives these slots to this producer until it commits them, so a *correct* consumer neither
    /// reads nor writes them meanwhile; a hostile process could. Write with raw pointer writes
    /// (`ptr.write`, `addr_of_mut!((*ptr).field).write(..)`); a `&mut T` made from it asserts that
    /// nobody else touches the slot (see [`slot_mut`](Self::slot_mut)).
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn as_mut_ptr(&mut self, i: usize) -> *mut T {
        let i = self.span.at(i);
        self.producer
            .end
            .slots
            .value_ptr(self.producer.core.slot(i))
            .cast::<T>()
    }

    /// Reserved slot `i` as a `&mut T`, to write a large value in place field by field.
    ///
    /// # Safety
    ///
    /// No other process writes or reads this slot while the reference lives. The ring's protocol
    /// guarantees that for every process that follows it (the consumer reads a slot only after
    /// its commit); the caller asserts that no process with write access to the segment breaks
    /// it. If one might, use [`write`](Self::write), [`copy_from`](Self::copy_from) or raw
    /// pointer writes instead.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub unsafe fn slot_mut(&mut self, i: usize) -> &mut T {
        let ptr = self.as_mut_ptr(i);
        // SAFETY: `ptr` is aligned, in bounds and valid for one `T` (every bit pattern is valid)
        // while the chunk (which borrows the producer mutably) lives; the caller guarantees that
        // no other process accesses the slot meanwhile.
        unsafe { &mut *ptr }
    }

    /// Moves `value` into reserved slot `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn write(&mut self, i: usize, value: T) {
        self.producer.write_slot(self.span.at(i), &value);
    }

    /// Copies `*value` into reserved slot `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn copy_from(&mut self, i: usize, value: &T)
    where
        T: Copy,
    {
        self.producer.write_slot(self.span.at(i), value);
    }

    /// Publishes the first `n` reserved slots (at most `len()`), with one index store.
    pub fn commit(self, n: usize) {
        let n = n.min(self.span.len()) as u64;
        if n > 0 {
            self.producer.commit(n);
        }
    }

    /// Publishes every reserved slot.
    pub fn commit_all(self) {
        let n = self.span.len();
        self.commit(n);
    }
}
