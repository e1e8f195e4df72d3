//! [`BroadcastProducer`]: the publishing end of a broadcast ring, and [`BroadcastSlot`], a slot
//! written in place.

use core::marker::PhantomData;
use core::sync::atomic::Ordering;
use std::sync::Arc;

use super::broadcast::Inner;
use super::broadcast_control::BroadcastControl;
use super::broadcast_protocol::{PublisherCore, notify_all, recover_tail};
use super::config::debug_handle;
use super::control::{STATE_ATTACHED, STATE_CLOSED};
use super::spsc::Slots;
use super::wait::Light;
use crate::SharedLayout;
use crate::sync::wait::wake;

/// The publishing end of a [`BroadcastRing`](super::BroadcastRing); one per ring at a time,
/// across all processes. Dropping it tells the subscribers (which report
/// [`RecvError::Disconnected`](super::RecvError::Disconnected) once they have read everything)
/// and gives the role up.
///
/// Publishing never waits and never fails: it overwrites the oldest message, whatever the
/// subscribers do (they cannot write to the ring). It costs no system call unless a subscriber
/// announced in the doorbell that it sleeps; then one wake-up wakes every sleeper.
pub struct BroadcastProducer<T: SharedLayout> {
    inner: Arc<Inner>,
    slots: Slots<BroadcastControl>,
    core: PublisherCore,
    light: Light,
    _type: PhantomData<fn(T)>,
}

impl<T: SharedLayout> core::fmt::Debug for BroadcastProducer<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let published = ("published", self.core.tail);
        debug_handle(f, "BroadcastProducer", self.inner.name(), published, self.core.capacity)
    }
}

// SAFETY: the handle owns its `Arc` of the mapping and its private index; every shared access is
// atomic. Values of `T` move through it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for BroadcastProducer<T> {}

impl<T: SharedLayout> BroadcastProducer<T> {
    /// Called with the publisher role just claimed: continues after every message a previous
    /// publisher committed.
    pub(super) fn attach(inner: Arc<Inner>) -> BroadcastProducer<T> {
        let light = Light::register();
        let slots = inner.slots;
        let c = slots.control();
        let capacity = inner.capacity as u64;
        let tail = recover_tail(
            capacity,
            c.publisher.index.load(Ordering::Acquire),
            &slots,
        );
        c.publisher.index.store(tail, Ordering::Release);
        c.publisher.state.store(STATE_ATTACHED, Ordering::Release);
        BroadcastProducer {
            core: PublisherCore::new(capacity, tail),
            slots,
            inner,
            light,
            _type: PhantomData,
        }
    }

    /// Wakes the subscribers that announced they sleep (no system call if none did).
    #[inline]
    fn notify(&self) {
        if let Some(bell) = self.inner.bell()
            && notify_all(&bell, || self.light.fence())
        {
            wake(bell.value, u32::MAX);
        }
    }

    /// Publishes `n` ≤ capacity values, the `k`-th read from `src(k)`.
    #[inline]
    fn publish(&mut self, n: u64, src: impl Fn(u64) -> *const T) {
        let slots = self.slots;
        let tail = &slots.control().publisher.index;
        self.core.publish_run(n, &slots, tail, |k, slot| {
            // SAFETY: the publisher alone writes slots (it holds the role); readers copy them
            // with `atomic_copy` and check the stamps; `src(k)` is readable for `size_of::<T>()`
            // bytes and not written meanwhile (the caller's value, or a `&T` of a `Copy` type).
            unsafe { slots.store_value(slot, src(k)) }
        });
        self.notify();
    }

    /// Publishes `value`, overwriting the oldest message when the ring is full.
    #[inline]
    pub fn push(&mut self, value: T) {
        let p: *const T = &value;
        self.publish(1, |_| p);
    }

    /// Publishes a copy of `*value`: a large value never has to be on the stack
    /// (`push_ref(&boxed)`).
    #[inline]
    pub fn push_ref(&mut self, value: &T)
    where
        T: Copy,
    {
        let p: *const T = value;
        self.publish(1, |_| p);
    }

    /// Publishes all of `values` in order, storing the tail and checking the doorbell once per
    /// run of up to a capacity of messages. A slice longer than the capacity overwrites its own
    /// front: subscribers then lag.
    pub fn push_slice(&mut self, values: &[T])
    where
        T: Copy,
    {
        for run in values.chunks(self.inner.capacity) {
            let p = run.as_ptr();
            // `k < run.len()`: `publish_run` writes exactly `n` values.
            self.publish(run.len() as u64, |k| p.wrapping_add(k as usize));
        }
    }

    /// Lends the next slot to write the message in place, without copying it through the stack;
    /// nothing is published until [`BroadcastSlot::commit`]. The slot is the oldest message's,
    /// which is lost from now on (subscribers reaching it lag).
    pub fn reserve(&mut self) -> BroadcastSlot<'_, T> {
        let slot = self.core.begin_one(&self.slots);
        BroadcastSlot {
            slot,
            producer: self,
        }
    }

    /// How many messages this ring has published (by this handle and its predecessors): the next
    /// message's sequence number.
    pub fn published(&self) -> u64 {
        self.core.tail
    }

    /// The shared-memory name, with its leading slash.
    pub fn name(&self) -> &str {
        self.inner.name()
    }
}

impl<T: SharedLayout> Drop for BroadcastProducer<T> {
    fn drop(&mut self) {
        let side = &self.slots.control().publisher;
        side.state.store(STATE_CLOSED, Ordering::Release);
        self.notify();
        side.role.release();
    }
}

/// The next slot of a broadcast ring, lent by [`BroadcastProducer::reserve`] to write a message
/// in place. Subscribers may copy the slot while it is written (and discard the copy: its stamp
/// says "being written"), so it is written through atomic copies only: [`write`](Self::write)
/// and [`copy_from`](Self::copy_from). Dropping it without [`commit`](Self::commit) publishes
/// nothing.
pub struct BroadcastSlot<'a, T: SharedLayout> {
    slot: usize,
    producer: &'a mut BroadcastProducer<T>,
}

impl<T: SharedLayout> core::fmt::Debug for BroadcastSlot<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BroadcastSlot")
            .field("seq", &self.producer.core.tail)
            .finish()
    }
}

impl<T: SharedLayout> BroadcastSlot<'_, T> {
    /// The sequence number the message gets when committed.
    pub fn seq(&self) -> u64 {
        self.producer.core.tail
    }

    /// Writes `value` into the slot.
    pub fn write(&mut self, value: T) {
        let p: *const T = &value;
        // SAFETY: the publisher alone writes slots, and this one is marked as being written;
        // `p` is readable for `size_of::<T>()` bytes (a local).
        unsafe { self.producer.slots.store_value(self.slot, p) };
    }

    /// Writes a copy of `*value` into the slot (a large value need not be on the stack).
    pub fn copy_from(&mut self, value: &T)
    where
        T: Copy,
    {
        // SAFETY: as in `write`; `value` is a `&T` of a `Copy` type (no interior mutability), so
        // its bytes do not change during the copy.
        unsafe { self.producer.slots.store_value(self.slot, value) };
    }

    /// Publishes the message.
    pub fn commit(self) {
        let producer = self.producer;
        let slots = producer.slots;
        producer
            .core
            .commit_one(&slots, &slots.control().publisher.index);
        producer.notify();
    }
}
