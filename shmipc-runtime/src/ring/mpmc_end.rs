//! What every MPMC handle ([`MpmcProducer`](super::MpmcProducer),
//! [`MpmcConsumer`](super::MpmcConsumer)) holds: the mapping, its claim tag, how it waits, and
//! its side as the wait loop sees it (what it parks on, what blocks it, how it recovers).

use core::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::mpmc::MpmcInner;
use super::mpmc_control::MpmcControl;
use super::mpmc_protocol::{Revoked, Ring, Stall, Tag};
use super::mpmc_recovery::{self, Role};
use super::mpmc_wait::{Blocker, Waiter};
use super::probe::Probe;
use super::spsc::Slots;
use super::wait::{self, Light, Spinner, Stop, WaitStrategy};
use crate::sync::WaitCell;

/// Why one push or pop did not happen.
pub(crate) enum Miss {
    Stall(Stall),
    /// The claim was revoked before its publication or release (only a process that breaks the
    /// protocol, or a wrong death verdict, does that).
    Revoked,
}

/// The snapshot accessors every MPMC handle has (`len`, `is_empty`, `capacity`, `name`),
/// through its `end` field.
macro_rules! end_accessors {
    () => {
        /// Messages in the ring (a snapshot of the shared indices, at most the capacity).
        pub fn len(&self) -> usize {
            self.end.inner.len()
        }

        /// Whether [`len`](Self::len) is 0.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The number of slots.
        pub fn capacity(&self) -> usize {
            self.end.inner.capacity
        }

        /// The ring's name.
        pub fn name(&self) -> &str {
            self.end.inner.name()
        }
    };
}
pub(crate) use end_accessors;

/// One handle's state.
pub(crate) struct MpmcEnd {
    pub(crate) inner: Arc<MpmcInner>,
    /// A copy of `inner.slots`.
    pub(crate) slots: Slots<MpmcControl>,
    /// This mapping's claim tag.
    pub(crate) tag: Tag,
    pub(crate) light: Light,
    role: Role,
    wait: WaitStrategy,
    spinner: Spinner,
    probe: Probe,
}

impl MpmcEnd {
    /// A new handle of `role` on `inner`, counted in the process table.
    pub(crate) fn new(inner: Arc<MpmcInner>, wait: WaitStrategy, role: Role) -> MpmcEnd {
        mpmc_recovery::add_handle(inner.control(), inner.entry, role);
        MpmcEnd {
            slots: inner.slots,
            tag: inner.tag,
            inner,
            light: Light::register(),
            role,
            wait,
            spinner: Spinner::new(),
            probe: Probe::new(),
        }
    }

    /// The protocol core's view of the slots.
    #[inline]
    pub(crate) fn ring(&self) -> Ring<'_, Slots<MpmcControl>> {
        self.inner.ring()
    }

    /// The rest of one push or pop once `pos` is claimed: `copy` the value in or out of slot
    /// `slot`, the test hook, then `commit` (publish or release) and wake the other side.
    #[inline]
    pub(crate) fn complete(
        &self,
        pos: u64,
        copy: impl FnOnce(&Slots<MpmcControl>, usize),
        commit: impl FnOnce(&Ring<'_, Slots<MpmcControl>>, u64, Tag) -> Result<(), Revoked>,
    ) -> Result<(), Miss> {
        let ring = self.ring();
        copy(&self.slots, ring.slot(pos));
        self.inner.after_claim();
        commit(&ring, pos, self.tag).map_err(|_| Miss::Revoked)?;
        self.notify();
        Ok(())
    }

    /// After a publication (producers) or release (consumers): wakes one parked process of the
    /// other side, if any (no system call otherwise).
    #[inline]
    pub(crate) fn notify(&self) {
        wait::notify(wait::words_of(publish_cell(&self.slots, self.role)), self.light);
    }

    /// Waits a little while blocked by `tag` (see [`Waiter::wait`]).
    pub(crate) fn wait(&mut self, waiter: &mut Waiter, tag: Option<Tag>) -> Result<(), Stop> {
        let view = View {
            inner: &self.inner,
            role: self.role,
        };
        waiter.wait(&view, tag, self.wait, &mut self.spinner)
    }

    /// The loop of a push or pop (`attempt`) that waits at most `timeout` (`Some(ZERO)`: not
    /// at all; then `Timeout`, or `Disconnected` when a rate-limited check finds the other side
    /// gone). Once the other side is gone, one more attempt: a consumer blocked by a (dead)
    /// producer's claim goes on (recovering it), anything else blocked is `Disconnected`.
    pub(crate) fn retry(
        &mut self,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(&MpmcEnd) -> Result<(), Miss>,
    ) -> Result<(), Stop> {
        let mut waiter = Waiter::new(timeout);
        loop {
            let tag = match attempt(self) {
                Ok(()) => return Ok(()),
                Err(Miss::Revoked | Miss::Stall(Stall::Corrupted)) => return Err(Stop::Corrupted),
                Err(Miss::Stall(Stall::Blocked(tag))) => tag,
            };
            if timeout == Some(Duration::ZERO) {
                return Err(if self.other_side_gone() {
                    Stop::Disconnected
                } else {
                    Stop::Timeout
                });
            }
            match self.wait(&mut waiter, tag) {
                Ok(()) => {}
                Err(Stop::Disconnected) => match attempt(self) {
                    Ok(()) => return Ok(()),
                    Err(Miss::Stall(Stall::Blocked(Some(_)))) if self.role == Role::Consumer => {}
                    Err(Miss::Stall(Stall::Blocked(_))) => return Err(Stop::Disconnected),
                    Err(_) => return Err(Stop::Corrupted),
                },
                Err(stop) => return Err(stop),
            }
        }
    }

    /// For a non-blocking miss: now and then (rate-limited) whether the other side is gone.
    pub(crate) fn other_side_gone(&mut self) -> bool {
        if !self.probe.due() {
            return false;
        }
        self.probe.checked();
        mpmc_recovery::side_gone(self.inner.control(), other(self.role))
    }

    /// The handles' `Debug`.
    pub(crate) fn debug(
        &self,
        f: &mut core::fmt::Formatter<'_>,
        handle: &str,
        skipped: Option<u64>,
    ) -> core::fmt::Result {
        let mut d = f.debug_struct(handle);
        d.field("name", &self.inner.name())
            .field("capacity", &self.inner.capacity);
        if let Some(s) = skipped {
            d.field("skipped", &s);
        }
        d.finish()
    }
}

impl Drop for MpmcEnd {
    fn drop(&mut self) {
        let c = self.slots.control();
        mpmc_recovery::remove_handle(c, self.inner.entry, self.role);
        // The other side's parked processes re-check whether any of this side is left.
        wake_all(publish_cell(&self.slots, self.role));
    }
}

fn other(role: Role) -> Role {
    match role {
        Role::Producer => Role::Consumer,
        Role::Consumer => Role::Producer,
    }
}

/// The cell that `role` wakes (and the other side parks on): producers wake the consumers
/// waiting for data, consumers the producers waiting for room.
fn publish_cell(slots: &Slots<MpmcControl>, role: Role) -> &WaitCell {
    let c = slots.control();
    match role {
        Role::Producer => &c.producers.wake,
        Role::Consumer => &c.consumers.wake,
    }
}

/// Wakes every process parked on `cell`.
fn wake_all(cell: &WaitCell) {
    cell.value().fetch_add(1, Ordering::Release);
    cell.wake_all();
}

/// One side as the wait loop sees it.
struct View<'a> {
    inner: &'a MpmcInner,
    role: Role,
}

impl Blocker for View<'_> {
    fn cell(&self) -> &WaitCell {
        publish_cell(&self.inner.slots, other(self.role))
    }

    fn ready(&self) -> bool {
        let c = self.inner.control();
        match self.role {
            Role::Producer => self.inner.ring().writable(&c.producers.index),
            Role::Consumer => self.inner.ring().readable(&c.consumers.index),
        }
    }

    fn recover(&self, tag: Tag) -> bool {
        let c = self.inner.control();
        if !mpmc_recovery::claimant_dead(c, tag) {
            return false;
        }
        let ring = self.inner.ring();
        match self.role {
            Role::Producer => {
                if ring.free_dead_reader(&c.producers.index, tag) {
                    c.shared.dropped_reads.fetch_add(1, Ordering::Relaxed);
                }
            }
            Role::Consumer => {
                if ring.skip_dead_writer(&c.consumers.index, tag) {
                    c.shared.skipped_writes.fetch_add(1, Ordering::Relaxed);
                    // The other parked consumers move on too.
                    wake_all(&c.producers.wake);
                }
            }
        }
        true
    }

    fn gone(&self) -> bool {
        mpmc_recovery::side_gone(self.inner.control(), other(self.role))
    }

    fn broken(&self) -> bool {
        self.inner.is_broken()
    }
}
