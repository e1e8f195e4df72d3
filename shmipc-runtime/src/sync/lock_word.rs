//! The robust lock word: its encoding and the state machine of acquiring, taking over from a dead
//! owner, and releasing. No waiting and no operating system here (see `mutex.rs` and `wait/`), so
//! the same code runs under loom.
//!
//! # Encoding (32 bits, all zero = unlocked and consistent)
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0..=21 | owner pid, 0 = unlocked (pids are below 2²² on Linux and macOS) |
//! | 22..=29 | always zero; anything else is a corrupted word |
//! | 30 | `INCONSISTENT`: a holder died holding the lock and nobody marked the data consistent since |
//! | 31 | `WAITERS`: somebody may sleep on the word; the unlocker must wake one |
//!
//! The owner's pid sits in the lock word itself, so it is written by the same compare-and-swap that
//! takes the lock: there is no moment at which the lock is held by nobody known. The owner's start
//! time cannot fit beside it, so the owner writes an *owner record* (`pid | start_time << 22`, one
//! 64-bit atomic so it never tears) right after the CAS and clears it right before releasing. A
//! judge that reads a record whose pid differs from the word's pid knows that the record is stale
//! (the owner is between its CAS and its record store, or died there) and falls back to asking
//! whether the pid exists at all.
//!
//! # The owner's pid namespace
//!
//! A pid names a process only in its pid namespace, so beside the word the owner writes its
//! namespace tag (the inode number of its `/proc/self/ns/pid`, 0 if unknown) right after the CAS
//! and before its record (which it stores with release ordering), and clears it before releasing.
//! A taker-over clears it before its CAS too. So a judge that reads the word (acquire), then the
//! record (acquire), then the tag, sees no tag older than the current owner's acquisition: 0, or
//! the current owner's own tag (or a later holder's, whose record then differs). The judge never
//! condemns an owner whose tag is not its own namespace's (see `owner.rs`).

use super::atomic::{AtomicU32, AtomicU64, Ordering, fence};

/// Mask of the owner pid in the lock word.
pub(crate) const PID_MASK: u32 = (1 << 22) - 1;
/// Bits that must be zero in a valid lock word.
pub(crate) const RESERVED: u32 = 0xff << 22;
/// A holder died holding the lock; cleared by `mark_consistent`.
pub(crate) const INCONSISTENT: u32 = 1 << 30;
/// Somebody may be sleeping on the word.
pub(crate) const WAITERS: u32 = 1 << 31;

/// The pid recorded in a lock word (0 = unlocked).
pub(crate) const fn owner_pid(word: u32) -> u32 {
    word & PID_MASK
}

/// Whether a lock word has bits set that no correct process sets.
pub(crate) const fn is_corrupted(word: u32) -> bool {
    word & RESERVED != 0
}

/// Packs a pid and a start time into an owner record. A start time too large to keep (after 1,394
/// years of uptime at 100 ticks per second) is recorded as 0, "unknown".
pub(crate) const fn pack_record(pid: u32, start_time: u64) -> u64 {
    let start = if start_time < (1 << 42) {
        start_time
    } else {
        0
    };
    (start << 22) | (pid & PID_MASK) as u64
}

/// The pid and start time of an owner record.
pub(crate) const fn unpack_record(record: u64) -> (u32, u64) {
    ((record as u32) & PID_MASK, record >> 22)
}

/// Who is locking: the value written into the word and the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    /// The pid, below 2²².
    pub pid: u32,
    /// `pack_record(pid, start_time)`.
    pub record: u64,
    /// The pid namespace tag (0 = unknown).
    pub ns: u32,
}

/// What a judge says about the owner named in a held lock word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The owner runs (or cannot be proven dead).
    Alive,
    /// The owner is certainly gone: it may be replaced.
    Dead,
}

/// How a lock was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Acquired {
    /// From an unlocked, consistent word.
    Clean,
    /// From a dead owner, or from an unlocked word still marked inconsistent.
    OwnerDied,
    /// The word held garbage (the value is given); it was replaced.
    Corrupted(u32),
}

/// The shared words of one robust lock: 16 bytes, all zero = unlocked. The building block of the
/// control blocks that hold a lock (`SharedMutex`'s, [`RoleToken`](super::RoleToken)'s).
///
/// | offset | size | content |
/// | ---: | ---: | --- |
/// | 0 | 4 | lock word (encoding above) |
/// | 4 | 4 | owner's pid namespace tag (inode of its `/proc/self/ns/pid`), 0 when unknown or unlocked |
/// | 8 | 8 | owner record: pid (bits 0–21), process start time in clock ticks (22–63), 0 when unlocked |
#[repr(C)]
#[cfg_attr(not(loom), derive(Debug, Default))]
pub(crate) struct LockWords {
    /// The lock word (futex word).
    pub word: AtomicU32,
    /// The owner's pid namespace tag.
    pub owner_ns: AtomicU32,
    /// The owner record.
    pub record: AtomicU64,
}

#[cfg(not(loom))]
crate::pinned::pin_offsets! { LockWords, size 16, align 8: word @ 0, owner_ns @ 4, record @ 8 }

impl LockWords {
    /// Words holding `word` and `record` (tests and models; shared memory starts all zero).
    #[cfg(test)]
    pub fn new(word: u32, record: u64) -> LockWords {
        LockWords {
            word: AtomicU32::new(word),
            owner_ns: AtomicU32::new(0),
            record: AtomicU64::new(record),
        }
    }

    /// The lock protocol over these words.
    #[inline]
    pub fn raw(&self) -> RawLock<'_> {
        RawLock {
            word: &self.word,
            owner_ns: &self.owner_ns,
            record: &self.record,
        }
    }
}

/// A robust lock over two words of shared memory (see [`LockWords`]).
#[derive(Clone, Copy)]
pub(crate) struct RawLock<'a> {
    /// The lock word (futex word).
    pub word: &'a AtomicU32,
    /// The owner's pid namespace tag.
    pub owner_ns: &'a AtomicU32,
    /// The owner record.
    pub record: &'a AtomicU64,
}

impl RawLock<'_> {
    /// Takes the lock if it is free, or replaces a corrupted word. `waiters` keeps the `WAITERS`
    /// bit set in the new word (a locker that slept sets it, since others may still sleep).
    /// On failure returns the word that was seen (held by someone).
    #[inline]
    pub fn try_acquire(&self, me: Owner, waiters: bool) -> Result<Acquired, u32> {
        let mut seen = self.word.load(Ordering::Relaxed);
        loop {
            if is_corrupted(seen) {
                return match self.replace(seen, me) {
                    Ok(()) => Ok(Acquired::Corrupted(seen)),
                    Err(now) => {
                        seen = now;
                        continue;
                    }
                };
            }
            if owner_pid(seen) != 0 {
                return Err(seen);
            }
            let keep = seen & (INCONSISTENT | WAITERS) | if waiters { WAITERS } else { 0 };
            match self.word.compare_exchange_weak(
                seen,
                me.pid | keep,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.write_owner(me);
                    return Ok(if seen & INCONSISTENT != 0 {
                        Acquired::OwnerDied
                    } else {
                        Acquired::Clean
                    });
                }
                Err(now) => seen = now,
            }
        }
    }

    /// The owner's tag and record, written by the owner right after its CAS: the tag first, so
    /// that a judge that reads our record (acquire) also sees our tag.
    #[inline]
    fn write_owner(&self, me: Owner) {
        self.owner_ns.store(me.ns, Ordering::Relaxed);
        self.record.store(me.record, Ordering::Release);
    }

    /// The owner record and namespace tag of a held lock, read in the order `write_owner` makes
    /// sound (after an acquire load of, or an acquire fence after, the word).
    pub fn owner_info(&self) -> (u64, u32) {
        let record = self.record.load(Ordering::Acquire);
        (record, self.owner_ns.load(Ordering::Relaxed))
    }

    /// Asks `judge` about the owner of the held word `seen` (its pid, record and namespace tag);
    /// if it is dead, takes the lock over with one compare-and-swap from `seen`, so of all the
    /// lockers that found the same dead owner exactly one succeeds. Returns `None` when the owner
    /// lives or the word changed meanwhile.
    pub fn try_take_over(
        &self,
        seen: u32,
        me: Owner,
        judge: impl FnOnce(u32, u64, u32) -> Verdict,
    ) -> Option<Acquired> {
        if is_corrupted(seen) {
            return self
                .replace(seen, me)
                .ok()
                .map(|()| Acquired::Corrupted(seen));
        }
        let pid = owner_pid(seen);
        if pid == 0 {
            return None;
        }
        // The caller loaded `seen` relaxed. With this fence, that load synchronizes with the
        // release (unlock or take-over) that `seen`'s acquisition followed, so the judge is not
        // shown a record older than that release's clearing (an earlier holder's record beside a
        // later holder's word). A judgement that went stale anyway is stopped in `replace_dead`.
        fence(Ordering::Acquire);
        let (record, ns) = self.owner_info();
        if judge(pid, record, ns) == Verdict::Alive {
            return None;
        }
        self.replace_dead(seen, record, me)
            .ok()
            .map(|()| Acquired::OwnerDied)
    }

    /// Replaces a corrupted word (garbage in, so nothing about the owner can be believed). The
    /// record is cleared first (if unchanged), for the reason given at `replace_dead`.
    fn replace(&self, seen: u32, me: Owner) -> Result<(), u32> {
        let record = self.record.load(Ordering::Acquire);
        let _ = self
            .record
            .compare_exchange(record, 0, Ordering::AcqRel, Ordering::Relaxed);
        self.swap_in(seen, me)
    }

    /// Replaces the held word `seen`, whose owner record read `record` and was judged dead, by
    /// `me`, marked inconsistent.
    ///
    /// When `record` is the dead owner's own (same pid), it is cleared first, so that a locker who
    /// sees our word before our record is written finds a record of another pid (stale, so it asks
    /// only whether our pid exists) rather than the dead owner's, which would wrongly condemn us if
    /// we reused its pid. That clearing is also the gate of the take-over: if the record is no
    /// longer the one judged, the owner released after our judge read it (or another locker is
    /// taking over), and the word may even read `seen` again, held by a live process that reused
    /// the dead owner's pid (ABA): we give up.
    ///
    /// A record of another pid is left alone: honestly it is 0 (the owner died before writing
    /// its record), or it belongs to a newer owner, whose word then differs from `seen` (the CAS
    /// below fails) and whose record must survive, or a live owner looks unconfirmed to everyone.
    fn replace_dead(&self, seen: u32, record: u64, me: Owner) -> Result<(), u32> {
        if unpack_record(record).0 == owner_pid(seen)
            && self
                .record
                .compare_exchange(record, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return Err(self.word.load(Ordering::Relaxed));
        }
        self.swap_in(seen, me)
    }

    /// The take-over CAS: `seen` → `me`, inconsistent, keeping `WAITERS`; then our tag and
    /// record. The replaced owner's tag is cleared before the CAS, so that no judge who sees our
    /// word reads it as ours (a losing taker-over may clear ours: we then look unknown, so alive).
    fn swap_in(&self, seen: u32, me: Owner) -> Result<(), u32> {
        self.owner_ns.store(0, Ordering::Relaxed);
        let new = me.pid | INCONSISTENT | (seen & WAITERS);
        self.word
            .compare_exchange(seen, new, Ordering::AcqRel, Ordering::Relaxed)
            .map(|_| self.write_owner(me))
    }

    /// Sets the `WAITERS` bit on the held word `seen` before sleeping on it. Returns the word to
    /// sleep on, or the changed word.
    pub fn announce_waiter(&self, seen: u32) -> Result<u32, u32> {
        if seen & WAITERS != 0 {
            return Ok(seen);
        }
        self.word
            .compare_exchange(seen, seen | WAITERS, Ordering::Relaxed, Ordering::Relaxed)
            .map(|_| seen | WAITERS)
    }

    /// Releases the lock; `consistent` says whether the data is known good (else the next locker
    /// is told the owner died). Returns whether a sleeper must be woken.
    #[inline]
    pub fn release(&self, consistent: bool) -> bool {
        self.record.store(0, Ordering::Relaxed);
        self.owner_ns.store(0, Ordering::Relaxed);
        let new = if consistent { 0 } else { INCONSISTENT };
        let old = self.word.swap(new, Ordering::Release);
        old & WAITERS != 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn me(pid: u32) -> Owner {
        Owner {
            pid,
            record: pack_record(pid, 1234),
            ns: 77,
        }
    }

    /// Words locked cleanly by `pid`.
    fn held_by(pid: u32) -> LockWords {
        let s = LockWords::new(0, 0);
        assert_eq!(s.raw().try_acquire(me(pid), false), Ok(Acquired::Clean));
        s
    }

    /// The word and the record, as they are now.
    fn get(s: &LockWords) -> (u32, u64) {
        (
            s.word.load(Ordering::Relaxed),
            s.record.load(Ordering::Relaxed),
        )
    }

    #[test]
    fn record_round_trips() {
        assert_eq!(unpack_record(pack_record(4_194_303, 99)), (4_194_303, 99));
        assert_eq!(unpack_record(pack_record(7, u64::MAX)), (7, 0));
    }

    #[test]
    fn acquire_release_and_contention() {
        let s = LockWords::new(0, 0);
        let lock = s.raw();
        assert_eq!(lock.try_acquire(me(5), false), Ok(Acquired::Clean));
        assert_eq!(get(&s).1, me(5).record);
        assert_eq!(lock.owner_info(), (me(5).record, 77));
        assert_eq!(lock.try_acquire(me(6), false), Err(5));
        assert_eq!(lock.announce_waiter(5), Ok(5 | WAITERS));
        assert!(lock.release(true));
        assert_eq!(get(&s), (0, 0));
        assert_eq!(lock.owner_info(), (0, 0), "all zero when unlocked");
    }

    #[test]
    fn dead_owner_is_taken_over_once_and_stays_inconsistent() {
        let s = held_by(5);
        let lock = s.raw();
        assert_eq!(lock.try_take_over(5, me(6), |_, _, _| Verdict::Alive), None);
        assert_eq!(
            lock.try_take_over(5, me(6), |pid, rec, ns| {
                assert_eq!((pid, rec, ns), (5, me(5).record, 77));
                Verdict::Dead
            }),
            Some(Acquired::OwnerDied)
        );
        // A second locker that judged the same dead owner loses.
        assert_eq!(lock.try_take_over(5, me(7), |_, _, _| Verdict::Dead), None);
        assert_eq!(get(&s).0, 6 | INCONSISTENT);
        // Released without repair: the next locker is told again.
        lock.release(false);
        assert_eq!(lock.try_acquire(me(7), false), Ok(Acquired::OwnerDied));
        lock.release(true);
        assert_eq!(lock.try_acquire(me(8), false), Ok(Acquired::Clean));
    }

    #[test]
    fn take_over_gives_up_when_the_judged_record_changed() {
        let s = held_by(5);
        let lock = s.raw();
        // While the judge looks, owner 5 unlocks and exits, and a new process that reused pid 5
        // locks: the word reads 5 again (ABA), but the record is not the one judged.
        let reused = Owner {
            pid: 5,
            record: pack_record(5, 9999),
            ns: 78,
        };
        let taken = lock.try_take_over(5, me(6), |_, _, _| {
            lock.release(true);
            lock.try_acquire(reused, false).unwrap();
            Verdict::Dead
        });
        assert_eq!(taken, None);
        assert_eq!(get(&s), (5, reused.record));
        assert_eq!(s.owner_ns.load(Ordering::Relaxed), 78);
    }

    #[test]
    fn stale_take_over_leaves_a_newer_owners_record() {
        // A locker saw owner 5; since then 5 unlocked and 9 locked. Judging 5 dead must not clear
        // 9's record (9 would then look unconfirmed to every waiter).
        let s = held_by(9);
        let lock = s.raw();
        assert_eq!(lock.try_take_over(5, me(6), |_, _, _| Verdict::Dead), None);
        assert_eq!(get(&s), (9, me(9).record));
    }

    #[test]
    fn corrupted_word_is_replaced() {
        let s = LockWords::new(0x0ff0_0001, u64::MAX);
        let lock = s.raw();
        assert_eq!(
            lock.try_acquire(me(5), false),
            Ok(Acquired::Corrupted(0x0ff0_0001))
        );
        assert_eq!(get(&s).0, 5 | INCONSISTENT);
    }
}
