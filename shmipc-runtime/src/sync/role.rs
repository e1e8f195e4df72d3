//! A robust role token: a lock word and owner record that are only ever try-locked, so that one
//! live process at a time holds a role (the seqlock's writer, a ring's producer or consumer), and
//! the role of a process that died is taken over by the next claimant.

use core::sync::atomic::Ordering;

use super::lock_word::{LockWords, RawLock, Verdict, owner_pid};
use super::owner;
// Also reachable as `role::verdict`, the judge a claimant acts on; it lives beside `judge`.
pub(crate) use super::owner::verdict;
use crate::segment::ControlBlock;

/// Who holds a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleHolder {
    /// Nobody.
    None,
    /// A running process (its pid).
    Alive(u32),
    /// A process that died without giving the role up; the next claim takes it over.
    Dead(u32),
}

/// The shared part of a role: 16 bytes, all zero when nobody holds it.
///
/// | offset | size | content |
/// | ---: | ---: | --- |
/// | 0 | 4 | lock word (encoding of `SharedMutex`'s: owner pid in bits 0–21) |
/// | 4 | 4 | owner's pid namespace tag (inode of its `/proc/self/ns/pid`), 0 when unknown or free |
/// | 8 | 8 | owner record: pid (bits 0–21), process start time in clock ticks (22–63) |
#[repr(C)]
#[derive(Debug, Default)]
pub struct RoleToken {
    lock: LockWords,
}

crate::pinned::pin_offsets! { RoleToken, size 16:
    lock.word @ 0, lock.owner_ns @ 4, lock.record @ 8 }

// SAFETY: only atomics (`LockWords` is three), alignment 8.
unsafe impl ControlBlock for RoleToken {}

impl RoleToken {
    pub(crate) fn raw(&self) -> RawLock<'_> {
        self.lock.raw()
    }

    /// Claims the role for this process: free, or held by a process proven dead. `Err(pid)`
    /// names the live (or not provably dead) holder.
    pub fn claim(&self) -> Result<(), u32> {
        let me = owner::current();
        let raw = self.raw();
        let claimed = match raw.try_acquire(me, false) {
            Ok(_) => true,
            Err(seen) => raw.try_take_over(seen, me, verdict).is_some(),
        };
        if claimed {
            Ok(())
        } else {
            Err(owner_pid(self.lock.word.load(Ordering::Relaxed)))
        }
    }

    /// Gives the role up, if the token names this process; returns whether it did. Call only
    /// after a successful [`claim`](Self::claim).
    ///
    /// The check makes a handle inherited through `fork` harmless: the child's pid differs from
    /// the claimant's, so a child releasing (or dropping) the handle leaves the parent's role
    /// alone. The pid is cached (see `owner.rs`), so the check costs two loads.
    pub fn release(&self) -> bool {
        if !self.is_mine() {
            return false;
        }
        self.raw().release(true);
        true
    }

    /// Whether the token names this process as holder (a forked child of the holder is not it).
    pub fn is_mine(&self) -> bool {
        owner_pid(self.lock.word.load(Ordering::Relaxed)) == owner::current().pid
    }

    /// Who holds the role right now (a snapshot).
    pub fn holder(&self) -> RoleHolder {
        let pid = owner_pid(self.lock.word.load(Ordering::Acquire));
        if pid == 0 {
            return RoleHolder::None;
        }
        let (record, ns) = self.raw().owner_info();
        match verdict(pid, record, ns) {
            Verdict::Dead => RoleHolder::Dead(pid),
            Verdict::Alive => RoleHolder::Alive(pid),
        }
    }
}
