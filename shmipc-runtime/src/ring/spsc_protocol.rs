//! The SPSC ring protocol, without any operating system call, so that the same code runs under
//! loom (`loom_models.rs`).
//!
//! # Words
//!
//! - `tail` (producer's): how many messages the producer committed; monotonic `u64`.
//! - `head` (consumer's): how many messages the consumer released; monotonic `u64`.
//! - one **stamp** per slot, beside its value: message `i` lives in slot `i & (capacity - 1)`, and
//!   the producer stores the stamp `i + 1` (release) after the value. The consumer polls the stamp
//!   of the slot it reads next, not the producer's index: the data and its ready signal arrive on
//!   the same cache line. Stamps are never cleared; the stamp of slot `s` only grows by
//!   `capacity` per lap, so a stale stamp never matches (`0`, the initial one, never does).
//! - two wait words (`WaitCell`s): the consumer parks on `data` when the ring is empty, the
//!   producer on `space` when it is full.
//!
//! # Rules
//!
//! - The producer writes slot `i & mask` only while `i - head < capacity`, with `head` loaded with
//!   acquire ordering: the consumer stored that head (release) after its last read of the slot.
//!   It caches `head` and reloads it only when the cached value says the ring is full (rtrb).
//! - The consumer reads slot `head & mask` only after loading its stamp (acquire) and finding
//!   `head + 1`: the producer stored it after the whole value.
//! - Batches store every slot's stamp but the index word once.
//! - Everything read from the peer is untrusted: a loaded `head` further than `capacity` from the
//!   producer's `tail` is [`Corrupted`]; a consumer that finds the producer's `tail` ahead of it
//!   while the stamp says "not written" is told [`Corrupted`] too (a correct producer stores the
//!   stamp before the tail). Slot numbers are always masked.
//!
//! # Parking without lost wake-ups
//!
//! "Wake the peer only when it is parked" is a store→load (Dekker) handshake: the side that
//! publishes (stamp, head, or its state word) then loads the peer's waiter flag; the side that
//! parks stores the flag and then loads the published word again. Each "store, then load another
//! word" needs a full fence, or both loads can miss both stores and the parker sleeps through the
//! publication (the classic lost wake-up).
//!
//! A full fence on every push and pop would cost more than the rest of the operation (it drains
//! the store buffer, waiting for the slot's cache line), so the fences are *asymmetric*: the
//! publisher's is a `light` one, the parker's a `heavy` one, and a light/heavy pair orders like
//! two `SeqCst` fences. On Linux the light fence is a compiler fence and the heavy fence
//! `membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)`, which makes every running thread of every
//! registered process execute a full barrier (a thread not running passed one in its context
//! switch): whichever side of that barrier the publisher's load falls, either it sees the flag or
//! its store is visible to the parker's re-check. A process that cannot register fences for
//! real (`SeqCst`) as publisher; a parker that cannot issue the heavy fence does not rely on the
//! handshake and sleeps in short slices instead. The loom models run this code with both fences
//! as `SeqCst` fences, the ordering the pair provides.
//!
//! - parker: `waiters.swap(1)`, heavy fence, load the wait value, re-check the ring, and sleep on
//!   the value only if there is still nothing to do;
//! - publisher: store (release), light fence, load `waiters`; if set, bump the value (release)
//!   and wake.
//!
//! The value bump covers the sleeper's "load value, re-check, sleep on value" window: a bump after
//! its load makes the sleep return at once.
//!
//! Each wait word has exactly one legitimate parker (the one consumer, the one producer), so the
//! flag is set with `swap(1)` and cleared with `store(0)` rather than counted: a garbage value a
//! peer left there is repaired by the next park.

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A peer wrote an index that no correct peer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Corrupted {
    /// The index this side keeps (its own).
    pub mine: u64,
    /// The index read from the peer.
    pub theirs: u64,
}

/// Where the stamps are: slot `i` (already masked) has its stamp at `stamp(i)`.
pub(crate) trait Stamps {
    /// The stamp word of slot `slot` (`slot < capacity`).
    fn stamp(&self, slot: usize) -> &AtomicU64;
}

/// The slot of message `index` in a ring of `capacity` slots (a power of two): `index & (capacity -
/// 1)`, the one rule both ring protocols place messages by.
#[inline]
pub(crate) fn slot_of(index: u64, capacity: u64) -> usize {
    (index & (capacity - 1)) as usize
}

/// The producer's private state: its own index and the last head it read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProducerCore {
    /// Messages committed (the next message's index).
    pub tail: u64,
    /// The consumer's head as last loaded; `tail - cached_head <= capacity` always.
    pub cached_head: u64,
    /// Capacity, a power of two.
    pub capacity: u64,
}

impl ProducerCore {
    /// A producer that continues from `tail`, with `head` as the consumer's position.
    pub fn new(capacity: u64, tail: u64, head: u64) -> ProducerCore {
        debug_assert!(capacity.is_power_of_two());
        ProducerCore {
            tail,
            cached_head: head,
            capacity,
        }
    }

    /// Free slots as far as the cache knows.
    #[inline]
    pub fn cached_free(&self) -> u64 {
        // Indices are compared by wrapping distance: a peer may have written any value, and a
        // head "ahead" of the tail across 2^64 is within the capacity by that measure.
        self.capacity - self.tail.wrapping_sub(self.cached_head)
    }

    /// How many slots may be written now, at most `want`: from the cache when it holds enough,
    /// else after reloading `head` (acquire: the consumer's reads of those slots happened before).
    #[inline]
    pub fn writable(&mut self, head: &AtomicU64, want: u64) -> Result<u64, Corrupted> {
        let free = self.cached_free();
        if free >= want {
            return Ok(want);
        }
        self.refresh(head)?;
        Ok(self.cached_free().min(want))
    }

    /// Reloads the consumer's head, checking it against this side's tail.
    #[inline]
    pub fn refresh(&mut self, head: &AtomicU64) -> Result<(), Corrupted> {
        let h = head.load(Ordering::Acquire);
        let used = self.tail.wrapping_sub(h);
        if used > self.capacity {
            return Err(Corrupted {
                mine: self.tail,
                theirs: h,
            });
        }
        self.cached_head = h;
        Ok(())
    }

    /// The slot of the `k`-th message after the last committed one.
    #[inline]
    pub fn slot(&self, k: u64) -> usize {
        slot_of(self.tail.wrapping_add(k), self.capacity)
    }

    /// Commits `n` messages whose values are written (`n` ≤ what [`writable`](Self::writable)
    /// allowed): their stamps, then the tail once. Wake the consumer afterwards
    /// ([`WaitWords::notify`]).
    #[inline]
    pub fn commit(&mut self, n: u64, stamps: &impl Stamps, tail: &AtomicU64) {
        // Locals, so that the loop does not reload `self` after every store to shared memory.
        let (first, mask) = (self.tail, self.capacity - 1);
        for k in 0..n {
            let i = first.wrapping_add(k);
            stamps
                .stamp((i & mask) as usize)
                .store(i.wrapping_add(1), Ordering::Release);
        }
        self.tail = first.wrapping_add(n);
        tail.store(self.tail, Ordering::Release);
    }
}

impl ProducerCore {
    /// Pushes one message if a slot is free: `write(slot)` writes its value, then it is
    /// committed. `Ok(false)` when full. Wake the consumer afterwards ([`WaitWords::notify`]).
    #[inline]
    pub fn try_put(
        &mut self,
        head: &AtomicU64,
        stamps: &impl Stamps,
        tail: &AtomicU64,
        write: impl FnOnce(usize),
    ) -> Result<bool, Corrupted> {
        if self.writable(head, 1)? == 0 {
            return Ok(false);
        }
        write(self.slot(0));
        self.commit(1, stamps, tail);
        Ok(true)
    }
}

impl ProducerCore {
    /// Pushes a run of `n` messages into slots known to be free (`n` ≤ what
    /// [`writable`](Self::writable) allowed): `write(k, slot)` writes the `k`-th value, then the
    /// run is committed ([`commit`](Self::commit): the stamps in order, then the tail once).
    /// Writing every value before the first stamp keeps the consumer, which polls stamps, from
    /// chasing the producer line by line through the run. Wake the consumer afterwards
    /// ([`WaitWords::notify`]).
    #[inline]
    pub fn put_run(
        &mut self,
        n: u64,
        stamps: &impl Stamps,
        tail: &AtomicU64,
        mut write: impl FnMut(u64, usize),
    ) {
        let (first, mask) = (self.tail, self.capacity - 1);
        for k in 0..n {
            write(k, (first.wrapping_add(k) & mask) as usize);
        }
        self.commit(n, stamps, tail);
    }
}

/// Where a new producer continues: after every message a previous (dead) producer committed. It
/// may have stored stamps beyond the tail it published, and the consumer may have read them, so
/// the stamps are authoritative: start at the published `tail` (or at `head` when the tail is out
/// of range) and skip every slot whose stamp says it was committed, at most `capacity`.
pub(crate) fn recover_tail(capacity: u64, tail: u64, head: u64, stamps: &impl Stamps) -> u64 {
    let mut t = if tail.wrapping_sub(head) <= capacity {
        tail
    } else {
        head
    };
    while t.wrapping_sub(head) < capacity
        && stamps.stamp(slot_of(t, capacity)).load(Ordering::Acquire) == t.wrapping_add(1)
    {
        t = t.wrapping_add(1);
    }
    t
}

/// The consumer's private state: its own index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConsumerCore {
    /// Messages released (the next message's index).
    pub head: u64,
    /// Capacity, a power of two.
    pub capacity: u64,
}

impl ConsumerCore {
    /// A consumer that continues from `head`.
    pub fn new(capacity: u64, head: u64) -> ConsumerCore {
        debug_assert!(capacity.is_power_of_two());
        ConsumerCore { head, capacity }
    }

    /// The slot of the `k`-th message after the last released one.
    #[inline]
    pub fn slot(&self, k: u64) -> usize {
        slot_of(self.head.wrapping_add(k), self.capacity)
    }

    /// Whether the `k`-th message after the last released one is committed (its stamp, acquire).
    #[inline]
    pub fn is_ready(&self, k: u64, stamps: &impl Stamps) -> bool {
        let i = self.head.wrapping_add(k);
        stamps.stamp(self.slot(k)).load(Ordering::Acquire) == i.wrapping_add(1)
    }

    /// How many messages are readable now, at most `max` (and at most the capacity).
    #[inline]
    pub fn readable(&self, max: u64, stamps: &impl Stamps) -> u64 {
        let max = max.min(self.capacity);
        let mut n = 0;
        while n < max && self.is_ready(n, stamps) {
            n += 1;
        }
        n
    }

    /// Releases `n` read messages (`n` ≤ what [`readable`](Self::readable) returned): one store
    /// of the head (release: after every read of their slots). Wake the producer afterwards
    /// ([`WaitWords::notify`]).
    #[inline]
    pub fn release(&mut self, n: u64, head: &AtomicU64) {
        self.head = self.head.wrapping_add(n);
        head.store(self.head, Ordering::Release);
    }

    /// Takes one message if it is committed: `read(slot)` copies its value out, then the slot is
    /// released. Wake the producer afterwards ([`WaitWords::notify`]).
    #[inline]
    pub fn try_take<V>(
        &mut self,
        stamps: &impl Stamps,
        head: &AtomicU64,
        read: impl FnOnce(usize) -> V,
    ) -> Option<V> {
        if !self.is_ready(0, stamps) {
            return None;
        }
        let v = read(self.slot(0));
        self.release(1, head);
        Some(v)
    }

    /// Takes a run of at most `max` committed messages in one pass: while the next stamp says
    /// committed, `read(k, slot)` copies the `k`-th value out; then the run is released with one
    /// head store. Returns the run's length (0: nothing committed). Wake the producer afterwards
    /// ([`WaitWords::notify`]) when it is not 0.
    #[inline]
    pub fn take_run(
        &mut self,
        max: u64,
        stamps: &impl Stamps,
        head: &AtomicU64,
        mut read: impl FnMut(u64, usize),
    ) -> u64 {
        let max = max.min(self.capacity);
        // Locals, so that the loop does not reload `self` after every copy.
        let (first, mask) = (self.head, self.capacity - 1);
        let mut n = 0;
        while n < max {
            let i = first.wrapping_add(n);
            let slot = (i & mask) as usize;
            if stamps.stamp(slot).load(Ordering::Acquire) != i.wrapping_add(1) {
                break;
            }
            read(n, slot);
            n += 1;
        }
        if n > 0 {
            self.release(n, head);
        }
        n
    }

    /// Called when the next message is not ready: whether the producer's `tail` proves shared
    /// state corrupted (further than `capacity` from `head` in either direction — a correct
    /// producer's published tail lags its stamps by at most a capacity — or ahead of `head`
    /// while the stamp says the message is not written).
    pub fn check_empty(&self, tail: &AtomicU64, stamps: &impl Stamps) -> Result<(), Corrupted> {
        let t = tail.load(Ordering::Acquire);
        let ahead = t.wrapping_sub(self.head);
        let behind = self.head.wrapping_sub(t);
        let corrupt = Err(Corrupted {
            mine: self.head,
            theirs: t,
        });
        if ahead > self.capacity && behind > self.capacity {
            return corrupt;
        }
        // The tail was stored after the stamp; having seen the tail, the stamp must be visible.
        if ahead != 0 && ahead <= self.capacity && !self.is_ready(0, stamps) {
            return corrupt;
        }
        Ok(())
    }
}

/// The two words of a wait cell, as the protocol sees them.
#[derive(Clone, Copy)]
pub(crate) struct WaitWords<'a> {
    /// The futex word: bumped by the waker when it finds a parker.
    pub value: &'a AtomicU32,
    /// 1 while the one parker announces that it may sleep, else 0.
    pub waiters: &'a AtomicU32,
}

impl WaitWords<'_> {
    /// After a publication (stamps, head, or a state word), with the publisher's `light` fence:
    /// whether the peer is parked, in which case the value was bumped and the caller must wake it
    /// (a system call).
    #[inline]
    pub fn notify(&self, light: impl FnOnce()) -> bool {
        light();
        if self.waiters.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.value.fetch_add(1, Ordering::Release);
        true
    }

    /// Announces that the caller may sleep, then issues the parker's `heavy` fence. Returns the
    /// value to sleep on; the caller then re-checks the ring and sleeps only if there is still
    /// nothing to do, then calls [`retire`](Self::retire).
    #[inline]
    pub fn announce(&self, heavy: impl FnOnce()) -> u32 {
        self.waiters.swap(1, Ordering::AcqRel);
        heavy();
        self.value.load(Ordering::Acquire)
    }

    /// Withdraws the announcement after sleeping (or deciding not to).
    #[inline]
    pub fn retire(&self) {
        self.waiters.store(0, Ordering::Relaxed);
    }

    /// One park: announce, `heavy` fence, re-check with `idle`, `sleep(value)` only if still
    /// idle, withdraw. The caller re-checks the ring afterwards (a sleep may end spuriously).
    #[inline]
    pub fn park(&self, heavy: impl FnOnce(), idle: impl FnOnce() -> bool, sleep: impl FnOnce(u32)) {
        let v = self.announce(heavy);
        if idle() {
            sleep(v);
        }
        self.retire();
    }
}
