//! A robust role token: a lock word and owner record that are only ever try-locked, so that one
//! live process at a time holds a role (the seqlock's writer, a ring's producer or consumer), and
//! the role of a process that died is taken over by the next claimant.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::lock_word::{RawLock, Verdict, owner_pid};
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
/// | 4 | 4 | reserved, zero |
/// | 8 | 8 | owner record: pid (bits 0–21), process start time in clock ticks (22–63) |
#[repr(C)]
#[derive(Debug, Default)]
pub struct RoleToken {
    word: AtomicU32,
    reserved: AtomicU32,
    record: AtomicU64,
}

const _: () = {
    assert!(core::mem::offset_of!(RoleToken, word) == 0);
    assert!(core::mem::offset_of!(RoleToken, reserved) == 4);
    assert!(core::mem::offset_of!(RoleToken, record) == 8);
    assert!(size_of::<RoleToken>() == 16);
};

// SAFETY: only atomics, alignment 8.
unsafe impl ControlBlock for RoleToken {}

impl RoleToken {
    pub(crate) fn raw(&self) -> RawLock<'_> {
        RawLock {
            word: &self.word,
            record: &self.record,
        }
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
            Err(owner_pid(self.word.load(Ordering::Relaxed)))
        }
    }

    /// Gives the role up. Call only after a successful [`claim`](Self::claim).
    pub fn release(&self) {
        self.raw().release(true);
    }

    /// Who holds the role right now (a snapshot).
    pub fn holder(&self) -> RoleHolder {
        let pid = owner_pid(self.word.load(Ordering::Acquire));
        if pid == 0 {
            return RoleHolder::None;
        }
        match verdict(pid, self.record.load(Ordering::Acquire)) {
            Verdict::Dead => RoleHolder::Dead(pid),
            Verdict::Alive => RoleHolder::Alive(pid),
        }
    }
}
