//! [`Consumer`]: the reading end, and [`ReadChunk`], committed slots read in place.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::chunk::{Span, chunk_basics};
use super::endpoint::{Endpoint, end_queries};
use super::control::STATE_ATTACHED;
use super::error::PopError;
use super::spsc::{Inner, Slots};
use super::spsc_protocol::{ConsumerCore, Corrupted, WaitWords};
use super::wait::{self, Side, Stop, WaitStrategy};
use crate::SharedLayout;

/// The reading end of an [`SpscRing`](super::SpscRing); one per ring at a time, across all
/// processes. Dropping it gives the role up; a new consumer continues with the first message
/// this one did not release.
///
/// A pop costs no system call unless the producer sleeps on a full ring.
pub struct Consumer<T: SharedLayout> {
    end: Endpoint,
    core: ConsumerCore,
    _type: PhantomData<fn() -> T>,
}

impl<T: SharedLayout> core::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.end.debug(f, "Consumer", ("head", self.core.head))
    }
}

// SAFETY: the handle owns its `Arc` of the mapping and a private index; every shared access is
// atomic or a copy under the protocol. Values of `T` come out of it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for Consumer<T> {}

impl<T: SharedLayout> Consumer<T> {
    /// Called with the consumer role just claimed.
    pub(super) fn attach(inner: Arc<Inner>, wait: WaitStrategy) -> Consumer<T> {
        let end = Endpoint::new(inner, wait);
        let c = end.inner.control();
        let head = c.consumer.index.load(Ordering::Acquire);
        c.consumer.state.store(STATE_ATTACHED, Ordering::Release);
        Consumer {
            core: ConsumerCore::new(end.inner.capacity as u64, head),
            end,
            _type: PhantomData,
        }
    }

    /// Copies the value of the `k`-th message after the last released one (which `readable`
    /// said is committed) into `dst`.
    #[inline]
    fn read_slot(&self, k: u64, dst: *mut T) {
        load_value::<T, _>(&self.end.slots, self.core.slot(k), dst);
    }

    #[inline]
    fn release(&mut self, n: u64) {
        let c = self.end.slots.control();
        self.core.release(n, &c.consumer.index);
        wait::notify(self.wake_words(), self.end.light);
    }

    fn wake_words(&self) -> WaitWords<'_> {
        wait::words_of(&self.end.slots.control().consumer.wake)
    }

    /// Takes one message (the protocol core's `try_take`) and wakes a parked producer.
    #[inline]
    fn take(&mut self) -> Option<T> {
        let slots = self.end.slots;
        let c = slots.control();
        let v = self.core.try_take(&slots, &c.consumer.index, |slot| {
            let mut out = MaybeUninit::<T>::uninit();
            load_value::<T, _>(&slots, slot, out.as_mut_ptr());
            // SAFETY: every byte of `out` was written by the copy, and a `SharedLayout` type is
            // valid for every bit pattern.
            unsafe { out.assume_init() }
        })?;
        wait::notify(self.wake_words(), self.end.light);
        Some(v)
    }

    /// After a wait said a message is ready: takes it. A stamp that said "ready" and no longer
    /// does was changed by a process that breaks the protocol.
    fn take_waited(&mut self) -> Result<T, PopError> {
        self.take().ok_or(PopError::Corrupted)
    }

    /// Empty, or disconnected (the producer's handle is closed, or now and then: it died), after
    /// a last look at the slot; now and then also the consistency check of the blocking calls
    /// (it loads the producer's hot line, so not on every miss).
    fn empty(&mut self) -> PopError {
        let mut gone = self.peer_closed();
        if !gone && self.end.probe.due() {
            self.end.probe.checked();
            match self.check(true) {
                Err(_) => return PopError::Corrupted,
                Ok(dead) => gone = dead,
            }
        }
        if gone && !self.core.is_ready(0, &self.end.slots) {
            PopError::Disconnected
        } else {
            PopError::Empty
        }
    }

    /// Takes the next message if one is committed.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, PopError> {
        match self.take() {
            Some(v) => Ok(v),
            None => Err(self.empty()),
        }
    }

    /// Takes the next message, waiting while the ring is empty. After the producer is gone
    /// (dropped, or died), returns every message it committed, then `Disconnected`. A producer
    /// that never attached is waited for (use [`pop_timeout`](Self::pop_timeout) to bound that).
    #[inline]
    pub fn pop(&mut self) -> Result<T, PopError> {
        self.pop_within(None)
    }

    /// Takes the next message, waiting at most `timeout`.
    pub fn pop_timeout(&mut self, timeout: Duration) -> Result<T, PopError> {
        self.pop_within(Some(timeout))
    }

    /// One look at the stamp when a message is there; the wait otherwise.
    #[inline]
    fn pop_within(&mut self, timeout: Option<Duration>) -> Result<T, PopError> {
        if let Some(v) = self.take() {
            return Ok(v);
        }
        self.wait_ready(timeout)?;
        self.take_waited()
    }

    /// Moves as many committed messages as fit into `out`, releasing them with one index store;
    /// returns how many. `Err` when none is committed (`Empty`, `Disconnected`); an empty `out`
    /// gives `Ok(0)`.
    pub fn try_pop_slice(&mut self, out: &mut [T]) -> Result<usize, PopError> {
        if out.is_empty() {
            return Ok(0);
        }
        match self.take_into(out) {
            0 => Err(self.empty()),
            n => Ok(n),
        }
    }

    /// Waits until at least one message is committed, then moves as many as fit into `out`
    /// (one index store); returns how many (at least one, unless `out` is empty).
    pub fn pop_slice(&mut self, out: &mut [T]) -> Result<usize, PopError> {
        if out.is_empty() {
            return Ok(0);
        }
        self.wait_ready(None)?;
        match self.take_into(out) {
            0 => Err(PopError::Corrupted),
            n => Ok(n),
        }
    }

    /// Moves the committed messages that fit into `out` in one pass (stamp, copy, next), with
    /// one head store; returns how many.
    fn take_into(&mut self, out: &mut [T]) -> usize {
        let slots = self.end.slots;
        let c = slots.control();
        let dst = out.as_mut_ptr();
        let n = self
            .core
            .take_run(out.len() as u64, &slots, &c.consumer.index, |k, slot| {
                // `k < out.len()`: `take_run` reads at most `max` messages.
                debug_assert!((k as usize) < out.len());
                // A value of a line or more: ask for the lines a few messages ahead while this
                // one is copied (within the caller's run; smaller values share lines anyway).
                if size_of::<T>() >= 64 && (k as usize) + RUN_PREFETCH < out.len() {
                    prefetch_line(slots.value_ptr(slot + RUN_PREFETCH));
                }
                load_value::<T, _>(&slots, slot, dst.wrapping_add(k as usize))
            });
        if n > 0 {
            wait::notify(self.wake_words(), self.end.light);
        }
        n as usize
    }

    /// Up to `max` committed messages (at least one; `max` 0 counts as 1) to read in place,
    /// without waiting:
    /// `Empty` when none. They are released when the chunk is dropped.
    pub fn try_read_chunk(&mut self, max: usize) -> Result<ReadChunk<'_, T>, PopError> {
        match self.core.readable(max.max(1) as u64, &self.end.slots) {
            0 => Err(self.empty()),
            n => Ok(ReadChunk {
                span: Span::new(n as usize),
                consumer: self,
            }),
        }
    }

    /// Up to `max` committed messages (at least one) to read in place, waiting while the ring
    /// is empty; released when the chunk is dropped.
    pub fn read_chunk(&mut self, max: usize) -> Result<ReadChunk<'_, T>, PopError> {
        self.read_chunk_within(max, None)
    }

    /// Like [`read_chunk`](Self::read_chunk), waiting at most `timeout`.
    pub fn read_chunk_timeout(
        &mut self,
        max: usize,
        timeout: Duration,
    ) -> Result<ReadChunk<'_, T>, PopError> {
        self.read_chunk_within(max, Some(timeout))
    }

    fn read_chunk_within(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<ReadChunk<'_, T>, PopError> {
        self.wait_ready(timeout)?;
        match self.core.readable(max.max(1) as u64, &self.end.slots) {
            // Ready a moment ago and not now: a process broke the protocol.
            0 => Err(PopError::Corrupted),
            n => Ok(ReadChunk {
                span: Span::new(n as usize),
                consumer: self,
            }),
        }
    }

    /// Waits until a message is committed.
    fn wait_ready(&mut self, timeout: Option<Duration>) -> Result<(), PopError> {
        if self.core.is_ready(0, &self.end.slots) {
            return Ok(());
        }
        wait::block(self, timeout)
            .map(drop)
            .map_err(|stop| match stop {
                Stop::Timeout => PopError::Timeout,
                Stop::Disconnected => PopError::Disconnected,
                Stop::Corrupted => PopError::Corrupted,
            })
    }

    /// Messages committed and not yet taken (a snapshot of the producer's published index).
    pub fn len(&self) -> usize {
        let tail = self.end.slots.control().producer.index.load(Ordering::Acquire);
        let n = tail.wrapping_sub(self.core.head);
        if n <= self.core.capacity {
            n as usize
        } else {
            0
        }
    }

    /// Whether no committed message is waiting (a snapshot).
    pub fn is_empty(&self) -> bool {
        !self.core.is_ready(0, &self.end.slots)
    }

    end_queries! {
        /// Whether a live process holds the producer role (a snapshot; reads `/proc`).
        producer_alive => producer;
    }
}

impl<T: SharedLayout> Side for Consumer<T> {
    wait::side_end!(Consumer);

    fn ready(&mut self) -> u64 {
        let ready = self.core.is_ready(0, &self.end.slots);
        if !ready {
            // Waiting: keep the rest of the next message's lines requested too, so that when the
            // producer writes them they are fetched in parallel with the stamp's line instead of
            // one after the other (a 64-byte value plus its stamp spans two lines).
            prefetch_value::<T>(self.end.slots.value_ptr(self.core.slot(0)));
        }
        u64::from(ready)
    }

    fn own_index(&self) -> u64 {
        self.core.head
    }

    fn check_peer_index(&mut self, peer_index: &AtomicU64) -> Result<(), Corrupted> {
        self.core.check_empty(peer_index, &self.end.slots)
    }

}

/// Copies the value of slot `slot` into `dst`.
#[inline]
pub(super) fn load_value<T, C>(slots: &Slots<C>, slot: usize, dst: *mut T) {
    // SAFETY: `dst` is writable for `size_of::<T>()` bytes and not accessed meanwhile (the
    // callers' buffers); the slot is committed, so a correct producer does not write it before we
    // release it.
    unsafe { slots.load_value(slot, dst) };
}

/// How many messages ahead a batch read prefetches.
const RUN_PREFETCH: usize = 4;

/// Prefetches the cache line of `p`.
#[inline]
fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is only a hint: it never faults and has no effect on memory.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Prefetches the cache lines of a slot's value after the first (at most three more).
#[inline]
fn prefetch_value<T>(value: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let mut off = 64 - (value as usize & 63);
        while off < size_of::<T>().min(256) {
            // SAFETY: a prefetch is only a hint: it never faults and has no effect on memory.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(value.wrapping_add(off).cast::<i8>()) };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

impl<T: SharedLayout> Drop for Consumer<T> {
    fn drop(&mut self) {
        self.close();
    }
}

chunk_basics! {
    /// Committed messages lent by [`Consumer::try_read_chunk`] / [`Consumer::read_chunk`] to read
    /// in place; released (the producer may overwrite them) when the chunk is dropped, or partly
    /// with [`release`](Self::release).
    pub struct ReadChunk { consumer: Consumer }
    "messages"
}

impl<T: SharedLayout> ReadChunk<'_, T> {
    /// The value of message `i`, aligned for `T`, valid for reads of one `T` while the chunk
    /// lives. Reading through it is `unsafe`: see [`slot`](Self::slot).
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn as_ptr(&self, i: usize) -> *const T {
        let i = self.span.at(i);
        self.consumer
            .end
            .slots
            .value_ptr(self.consumer.core.slot(i))
            .cast_const()
            .cast::<T>()
    }

    /// Message `i` as a `&T`, read in place without a copy.
    ///
    /// # Safety
    ///
    /// No other process writes this slot while the reference lives. The ring's protocol
    /// guarantees that for every process that follows it (the producer writes a slot again only
    /// after its release); the caller asserts that no process with write access to the segment
    /// breaks it. If one might, use [`copy_to`](Self::copy_to) or [`read`](Self::read).
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub unsafe fn slot(&self, i: usize) -> &T {
        let ptr = self.as_ptr(i);
        // SAFETY: aligned, in bounds, a valid `T` for every bit pattern, lent while the chunk
        // lives; the caller guarantees no concurrent writer.
        unsafe { &*ptr }
    }

    /// Copies message `i` into `out` (no `T` on the stack: `copy_to(i, &mut boxed)`).
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn copy_to(&self, i: usize, out: &mut T) {
        self.consumer.read_slot(self.span.at(i), out);
    }

    /// A copy of message `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn read(&self, i: usize) -> T {
        let i = self.span.at(i);
        let mut out = MaybeUninit::<T>::uninit();
        self.consumer.read_slot(i, out.as_mut_ptr());
        // SAFETY: the copy wrote every byte; every bit pattern is a valid `T`.
        unsafe { out.assume_init() }
    }

    /// Releases the first `n` messages (at most `len()`) and keeps the rest unread: the next
    /// read starts with message `n`.
    pub fn release(mut self, n: usize) {
        self.span.shrink(n);
    }
}

impl<T: SharedLayout> Drop for ReadChunk<'_, T> {
    fn drop(&mut self) {
        if self.span.len() > 0 {
            self.consumer.release(self.span.len() as u64);
        }
    }
}
