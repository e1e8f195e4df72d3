//! The floor a user writes in an afternoon: a shared-memory SPSC ring with monotonic `u64` head
//! and tail on separate cache lines, each side caching the other's index, spinning when full or
//! empty, publishing its index once per batch.
//!
//! Layout of the mapping: producer line (tail) at 0, consumer line (head) at 128, slots from 256.

use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::sync::atomic::{AtomicU64, Ordering};

use super::channel::{Receiver, Sender};
use super::messages::Message;
use super::shared_map::SharedMap;

/// The control block at the start of the mapping.
#[repr(C)]
struct Control {
    /// Messages written so far (the producer's line).
    tail: AtomicU64,
    _producer_line: [u8; 120],
    /// Messages read so far (the consumer's line).
    head: AtomicU64,
    _consumer_line: [u8; 120],
}
const _: () = assert!(offset_of!(Control, tail) == 0);
const _: () = assert!(offset_of!(Control, head) == 128);
const SLOTS: usize = 256;
const _: () = assert!(size_of::<Control>() == SLOTS);

/// A minimal ring's mapping, from which either end is made.
pub struct MinimalRing<T> {
    map: SharedMap,
    capacity: u64,
    _t: PhantomData<T>,
}

impl<T: Message> MinimalRing<T> {
    /// Creates the ring `name` with `capacity` (a power of two) slots.
    pub fn create(name: &str, capacity: usize) -> MinimalRing<T> {
        assert!(capacity.is_power_of_two());
        let map = SharedMap::create(name, SLOTS + capacity * size_of::<T>());
        MinimalRing {
            map,
            capacity: capacity as u64,
            _t: PhantomData,
        }
    }

    /// Opens the ring `name` of `capacity` slots.
    pub fn open(name: &str, capacity: usize) -> MinimalRing<T> {
        assert!(capacity.is_power_of_two());
        let map = SharedMap::open(name);
        assert!(map.len() >= SLOTS + capacity * size_of::<T>());
        MinimalRing {
            map,
            capacity: capacity as u64,
            _t: PhantomData,
        }
    }

    fn control(&self) -> &Control {
        // SAFETY: the mapping is page-aligned and at least SLOTS bytes (checked on create and
        // open); `Control` holds only atomics, valid for any bytes, and lives as long as `self`.
        unsafe { &*self.map.ptr().cast::<Control>() }
    }

    fn slot(&self, index: u64) -> *mut T {
        let i = (index & (self.capacity - 1)) as usize;
        // SAFETY: `i < capacity` by the mask, so the slot lies inside the mapping, whose size was
        // checked; slots start at 256 (a multiple of T's alignment, at most 8).
        unsafe { self.map.ptr().add(SLOTS).cast::<T>().add(i) }
    }

    /// The tail and the head, as an end starts with them.
    fn indices(&self) -> (u64, u64) {
        let c = self.control();
        (
            c.tail.load(Ordering::Acquire),
            c.head.load(Ordering::Acquire),
        )
    }

    /// The producing end.
    pub fn producer(self) -> MinimalProducer<T> {
        let (tail, cached_head) = self.indices();
        MinimalProducer {
            ring: self,
            tail,
            cached_head,
        }
    }

    /// The consuming end.
    pub fn consumer(self) -> MinimalConsumer<T> {
        let (cached_tail, head) = self.indices();
        MinimalConsumer {
            ring: self,
            head,
            cached_tail,
        }
    }
}

/// The producing end of a [`MinimalRing`].
pub struct MinimalProducer<T> {
    ring: MinimalRing<T>,
    tail: u64,
    cached_head: u64,
}

impl<T: Message> MinimalProducer<T> {
    /// Waits until at least one slot is free; returns how many are.
    fn free(&mut self) -> u64 {
        let cap = self.ring.capacity;
        loop {
            let free = cap.saturating_sub(self.tail.wrapping_sub(self.cached_head));
            if free > 0 {
                return free;
            }
            self.cached_head = self.ring.control().head.load(Ordering::Acquire);
            std::hint::spin_loop();
        }
    }
}

impl<T: Message> Sender<T> for MinimalProducer<T> {
    fn send(&mut self, msg: &T) {
        self.free();
        // SAFETY: the slot is in bounds (`slot` masks) and free: the consumer's published head
        // shows it has finished reading it, and it reads it again only after our tail store.
        unsafe { self.ring.slot(self.tail).write(*msg) };
        self.tail += 1;
        self.ring.control().tail.store(self.tail, Ordering::Release);
    }

    fn send_batch(&mut self, msgs: &[T]) {
        let mut rest = msgs;
        while !rest.is_empty() {
            let k = (self.free() as usize).min(rest.len());
            for (i, m) in rest[..k].iter().enumerate() {
                // SAFETY: as in `send`; the `k` slots from `tail` are all free.
                unsafe { self.ring.slot(self.tail + i as u64).write(*m) };
            }
            self.tail += k as u64;
            self.ring.control().tail.store(self.tail, Ordering::Release);
            rest = &rest[k..];
        }
    }
}

/// The consuming end of a [`MinimalRing`].
pub struct MinimalConsumer<T> {
    ring: MinimalRing<T>,
    head: u64,
    cached_tail: u64,
}

impl<T: Message> MinimalConsumer<T> {
    /// Waits until at least one message is there; returns how many are (at most the capacity,
    /// whatever the peer wrote).
    fn available(&mut self) -> u64 {
        loop {
            let n = self.cached_tail.wrapping_sub(self.head);
            if n > 0 {
                return n.min(self.ring.capacity);
            }
            self.cached_tail = self.ring.control().tail.load(Ordering::Acquire);
            std::hint::spin_loop();
        }
    }
}

impl<T: Message> Receiver<T> for MinimalConsumer<T> {
    fn recv(&mut self) -> T {
        self.available();
        // SAFETY: the slot is in bounds (`slot` masks) and published: the producer's tail store
        // (Release, read with Acquire) came after its write, and it writes the slot again only
        // after our head store below. The peer is this benchmark's own producer.
        let m = unsafe { self.ring.slot(self.head).read() };
        self.head += 1;
        self.ring.control().head.store(self.head, Ordering::Release);
        m
    }

    fn recv_batch(&mut self, out: &mut [T]) -> usize {
        let k = (self.available() as usize).min(out.len());
        for (i, o) in out[..k].iter_mut().enumerate() {
            // SAFETY: as in `recv`; the `k` slots from `head` are all published.
            *o = unsafe { self.ring.slot(self.head + i as u64).read() };
        }
        self.head += k as u64;
        self.ring.control().head.store(self.head, Ordering::Release);
        k
    }
}
