//! [`Subscriber`]: a reading end of a broadcast ring, which never writes to the ring, and
//! [`RecvError`], why it returned no message.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::broadcast::Inner;
use super::broadcast_control::BroadcastControl;
use super::broadcast_protocol::{Read, StartAt, SubscriberCore};
use super::config::debug_handle;
use super::control::STATE_CLOSED;
use super::probe::Probe;
use super::spsc::Slots;
use super::wait::{POLL_SLICE, QUICK_POLLS, SLICE, SPIN_LIVENESS, Spinner, WaitStrategy};
use crate::SharedLayout;
use crate::sync::RoleHolder;
use crate::sync::wait::wait;
use crate::sys::membarrier;

/// Why [`Subscriber::try_pop`] and friends returned no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecvError {
    /// Nothing new was published (a non-blocking call).
    #[error(
        "nothing new was published: retry later, or use `pop` / `pop_timeout` to wait for a message"
    )]
    Empty,
    /// Nothing new was published within the timeout.
    #[error(
        "no message was published within the timeout: retry, wait longer, or check that the \
         publisher runs"
    )]
    Timeout,
    /// The publisher overwrote `missed` messages this subscriber had not read (or was
    /// overwriting the one it was copying). The subscriber now stands at the oldest message still
    /// held: the next pop continues from there. Whether to go on is the caller's choice.
    #[error(
        "this subscriber fell behind and missed {missed} messages, which the publisher overwrote: \
         it continues with the oldest message still held (read faster or create the ring with a \
         larger capacity to lose fewer; stop if you cannot go on without them)"
    )]
    Lagged {
        /// Exactly how many messages were skipped.
        missed: u64,
    },
    /// Nothing new is published and the publisher dropped its handle or its process died; every
    /// message it published was delivered (or counted as missed) before this is reported. A new
    /// publisher may attach and continue.
    #[error(
        "the publisher is gone (handle dropped or process died) and every message it published \
         was delivered: stop, or wait for a new publisher to attach"
    )]
    Disconnected,
    /// The ring's stamps or tail are inconsistent (a stamp naming a message of another slot, a
    /// tail that contradicts the stamps): a process with write access wrote garbage into the
    /// ring, or truncated its file (see `RawSegment::is_broken`).
    #[error(
        "the ring's shared state is corrupted (a process wrote garbage into it): stop using it, \
         recreate the ring, and find the process that writes to it"
    )]
    Corrupted,
}

/// A reading end of a [`BroadcastRing`](super::BroadcastRing): any number per ring, in any
/// process. It keeps its position privately and only ever loads from the ring, so it works on a
/// read-only mapping and cannot disturb the publisher or other subscribers. To sleep in a
/// blocking call it announces itself in the ring's doorbell (if this process can write it; else
/// it polls every millisecond).
///
/// A subscriber that keeps up receives every message, in order; one that falls a lap behind
/// gets [`RecvError::Lagged`] with the exact number it lost, then continues. Cloning gives an
/// independent subscriber at the same position.
pub struct Subscriber<T: SharedLayout> {
    inner: Arc<Inner>,
    slots: Slots<BroadcastControl>,
    core: SubscriberCore,
    wait: WaitStrategy,
    spinner: Spinner,
    probe: Probe,
    _type: PhantomData<fn() -> T>,
}

impl<T: SharedLayout> core::fmt::Debug for Subscriber<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let position = ("position", self.core.next);
        debug_handle(f, "Subscriber", self.inner.name(), position, self.core.capacity)
    }
}

impl<T: SharedLayout> Clone for Subscriber<T> {
    fn clone(&self) -> Self {
        Subscriber {
            inner: Arc::clone(&self.inner),
            slots: self.slots,
            core: self.core,
            wait: self.wait,
            spinner: Spinner::new(),
            probe: Probe::new(),
            _type: PhantomData,
        }
    }
}

// SAFETY: the handle owns its `Arc` of the mapping and its private position; every shared access
// is a load. Values of `T` move out of it, so it is `Send` when `T` is.
unsafe impl<T: SharedLayout + Send> Send for Subscriber<T> {}

/// What a blocking pop does when it finds nothing.
enum Idle {
    /// Go on waiting.
    Wait,
    /// Stop with this error.
    Stop(RecvError),
}

impl<T: SharedLayout> Subscriber<T> {
    pub(super) fn attach(inner: Arc<Inner>, start: StartAt, wait: WaitStrategy) -> Subscriber<T> {
        let slots = inner.slots;
        let core = SubscriberCore::new(
            inner.capacity as u64,
            &slots.control().publisher.index,
            start,
        );
        Subscriber {
            inner,
            slots,
            core,
            wait,
            spinner: Spinner::new(),
            probe: Probe::new(),
            _type: PhantomData,
        }
    }

    /// One read attempt: `Ok(None)` when nothing new is there.
    #[inline]
    fn read(&mut self) -> Result<Option<T>, RecvError> {
        let slots = self.slots;
        let read = self
            .core
            .try_read(&slots, &slots.control().publisher.index, |slot| {
                let mut v = MaybeUninit::<T>::uninit();
                // SAFETY: `v` is writable for `size_of::<T>()` bytes and private.
                unsafe { slots.load_value(slot, v.as_mut_ptr()) };
                v
            });
        match read {
            // SAFETY: `load_value` wrote all `size_of::<T>()` bytes, and a `SharedLayout` type is
            // valid for every bit pattern (so even a hostile writer's bytes are a valid `T`).
            Ok(Read::Value(v)) => Ok(Some(unsafe { v.assume_init() })),
            Ok(Read::Empty) => Ok(None),
            Ok(Read::Lagged(missed)) => Err(RecvError::Lagged { missed }),
            Err(_) => Err(RecvError::Corrupted),
        }
    }

    /// Whether the publisher's handle was dropped (one load).
    fn publisher_closed(&self) -> bool {
        self.slots.control().publisher.state.load(Ordering::Acquire) == STATE_CLOSED
    }

    /// Nothing new: is the publisher gone (its state word says closed; with `deep`, also: has its
    /// process died, which reads `/proc`), or (with `deep`) is the shared state corrupt? Re-reads
    /// once after finding it gone (its last messages were published before it closed). Without
    /// `deep` it loads only the publisher's state word, which is on a line the publisher writes
    /// only when it attaches or detaches, never its tail's line.
    fn idle(&mut self, deep: bool, liveness: bool) -> Result<Option<T>, Idle> {
        let slots = self.slots;
        let publisher = &slots.control().publisher;
        if deep
            && (self.inner.is_broken() || self.core.check_empty(&slots, &publisher.index).is_err())
        {
            return Err(Idle::Stop(RecvError::Corrupted));
        }
        let gone = self.publisher_closed()
            || (liveness && matches!(publisher.role.holder(), RoleHolder::Dead(_)));
        if !gone {
            return Err(Idle::Wait);
        }
        match self.read() {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) => Err(Idle::Stop(RecvError::Disconnected)),
            Err(e) => Err(Idle::Stop(e)),
        }
    }

    /// Receives the next message if it is there: `Empty` if nothing new was published,
    /// `Lagged` if the publisher overwrote it (the next call continues with the oldest message
    /// held), `Disconnected` once the publisher is gone and everything was delivered.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, RecvError> {
        if let Some(v) = self.read()? {
            return Ok(v);
        }
        let due = self.probe.due();
        if due {
            self.probe.checked();
        }
        match self.idle(due, due) {
            Ok(Some(v)) => Ok(v),
            Ok(None) | Err(Idle::Wait) => Err(RecvError::Empty),
            Err(Idle::Stop(e)) => Err(e),
        }
    }

    /// Receives the next message, waiting while nothing new is published. Returns `Lagged` at
    /// once when the subscriber fell behind, `Disconnected` when the publisher is gone (a dropped
    /// handle at once, a killed process within 10–50 ms) and everything it published was
    /// delivered.
    #[inline]
    pub fn pop(&mut self) -> Result<T, RecvError> {
        self.pop_within(None)
    }

    /// Receives the next message, waiting at most `timeout`.
    pub fn pop_timeout(&mut self, timeout: Duration) -> Result<T, RecvError> {
        self.pop_within(Some(timeout))
    }

    /// The sequence number of the next message this subscriber receives (the one after the last
    /// delivered or skipped).
    pub fn position(&self) -> u64 {
        self.core.next
    }

    /// After a lag, resume `slots` messages after the oldest one still held (at most the
    /// capacity − 1) instead of at it. The oldest message is the one the publisher overwrites
    /// next, so a subscriber that keeps falling behind a faster publisher and resumes there is
    /// lapped again at once, message after message; a slack of, say, half the capacity gives it
    /// runs of messages between lags. The skipped messages are counted in
    /// [`RecvError::Lagged`] like the others, so the counts stay exact. Default 0.
    pub fn set_resume_slack(&mut self, slots: usize) {
        self.core.slack = (slots as u64).min(self.core.capacity - 1);
    }

    /// The shared-memory name, with its leading slash.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    fn pop_within(&mut self, timeout: Option<Duration>) -> Result<T, RecvError> {
        if let Some(v) = self.read()? {
            return Ok(v);
        }
        if timeout != Some(Duration::ZERO) {
            for _ in 0..QUICK_POLLS {
                core::hint::spin_loop();
                if let Some(v) = self.read()? {
                    return Ok(v);
                }
            }
        }
        let start = Instant::now();
        // A timeout too long to represent as an `Instant` means no limit.
        let deadline = timeout.and_then(|t| start.checked_add(t));
        let budget = match self.wait {
            WaitStrategy::Park => Duration::ZERO,
            WaitStrategy::SpinThenPark => self.spinner.budget(),
            WaitStrategy::Spin => Duration::MAX,
        };
        if let Some(v) = self.spin(start, deadline, budget)? {
            return Ok(v);
        }
        self.park(deadline)
    }

    /// Spins (loads only) until a message, a stop, the deadline (`Timeout`) or the end of the
    /// budget (`Ok(None)`: park next).
    fn spin(
        &mut self,
        start: Instant,
        deadline: Option<Instant>,
        budget: Duration,
    ) -> Result<Option<T>, RecvError> {
        let mut last_liveness = start;
        let mut i: u32 = 0;
        loop {
            if let Some(v) = self.read()? {
                return Ok(Some(v));
            }
            i = i.wrapping_add(1);
            if i.is_multiple_of(64) {
                let now = Instant::now();
                let liveness = now.duration_since(last_liveness) >= SPIN_LIVENESS;
                if liveness {
                    last_liveness = now;
                    // A spinner that never parks gives the CPU away now and then.
                    std::thread::yield_now();
                }
                match self.idle(liveness, liveness) {
                    Ok(Some(v)) => return Ok(Some(v)),
                    Ok(None) | Err(Idle::Wait) => {}
                    Err(Idle::Stop(e)) => return Err(e),
                }
                if deadline.is_some_and(|d| now >= d) {
                    return Err(RecvError::Timeout);
                }
                if now.duration_since(start) >= budget {
                    return Ok(None);
                }
            }
            core::hint::spin_loop();
        }
    }

    /// Sleeps in slices until a message, a stop or the deadline: announces itself in the
    /// doorbell (if open), re-checks, and sleeps on the ring's wake value.
    fn park(&mut self, deadline: Option<Instant>) -> Result<T, RecvError> {
        let parked = Instant::now();
        let mut slices = 0u32;
        loop {
            // The first slice skips the `/proc` read: the common park ends with a wake-up.
            match self.idle(true, slices > 0) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) | Err(Idle::Wait) => {}
                Err(Idle::Stop(e)) => return Err(e),
            }
            let slice = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left.min(SLICE),
                    _ => return Err(RecvError::Timeout),
                },
                None => SLICE,
            };
            let inner = Arc::clone(&self.inner);
            let (value, heavy) = match inner.bell() {
                // Announce, then the heavy fence (see `broadcast_protocol.rs`); the only store a
                // subscriber makes, and it goes to the doorbell, never to the ring.
                Some(bell) => {
                    let mut heavy = false;
                    let v = bell.announce(|| heavy = membarrier::heavy());
                    ((bell.value, v), heavy)
                }
                None => {
                    let word = inner.control().publisher.wake.value();
                    ((word, word.load(Ordering::Acquire)), false)
                }
            };
            // Re-check after announcing: the publisher either sees the hint and wakes us, or its
            // publication is visible here.
            if let Some(v) = self.read()? {
                return Ok(v);
            }
            if !self.publisher_closed() {
                // Without the doorbell or the heavy fence nobody is sure to wake us: poll.
                let slice = if heavy { slice } else { slice.min(POLL_SLICE) };
                wait(value.0, value.1, Some(slice));
            }
            if let Some(v) = self.read()? {
                self.spinner.parked_for(parked.elapsed());
                return Ok(v);
            }
            slices = slices.saturating_add(1);
        }
    }
}
