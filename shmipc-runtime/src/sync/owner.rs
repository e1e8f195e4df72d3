//! Who the calling process is (cached) and whether the owner named in a lock word still runs.
//!
//! Only a proven death condemns an owner (see `sys/process.rs`): an owner whose namespace tag is
//! not ours (another pid namespace, or one that could not be read: its pid means nothing here)
//! or whose liveness cannot be told counts as alive, so waiters time out instead of taking over.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Once;

use super::lock_word::{Owner, PID_MASK, Verdict, pack_record, unpack_record};
use crate::sys::process::{Liveness, ProcessIdentity};

static PID: AtomicU32 = AtomicU32::new(0);
static RECORD: AtomicU64 = AtomicU64::new(0);
static NS: AtomicU32 = AtomicU32::new(0);
static AT_FORK: Once = Once::new();

extern "C" fn forget_after_fork() {
    // Async-signal-safe: a relaxed atomic store. The child recomputes its identity on next use.
    PID.store(0, Ordering::Relaxed);
}

/// The calling process as a lock owner. Cached after the first call (reading `/proc` costs
/// microseconds; `getpid` is a system call), and forgotten in a forked child.
#[inline]
pub(crate) fn current() -> Owner {
    let pid = PID.load(Ordering::Acquire);
    if pid != 0 {
        return Owner {
            pid,
            record: RECORD.load(Ordering::Relaxed),
            ns: NS.load(Ordering::Relaxed),
        };
    }
    compute()
}

/// The first call (or the first after a fork): asks the system.
#[cold]
fn compute() -> Owner {
    AT_FORK.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe), with no
        // prepare or parent handler; `pthread_atfork` has no other preconditions.
        unsafe {
            libc::pthread_atfork(None, None, Some(forget_after_fork));
        }
    });
    let id = ProcessIdentity::current();
    assert!(
        id.pid != 0 && id.pid <= PID_MASK,
        "pid {} does not fit the 22-bit owner field of a lock word",
        id.pid
    );
    let record = pack_record(id.pid, id.start_time);
    let ns = id.pid_ns.unwrap_or(0);
    RECORD.store(record, Ordering::Relaxed);
    NS.store(ns, Ordering::Relaxed);
    PID.store(id.pid, Ordering::Release);
    Owner {
        pid: id.pid,
        record,
        ns,
    }
}

/// What can be said about the owner `pid` of a held lock word whose owner record reads `record`
/// and namespace tag `ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// The record names this pid and the process with that pid and start time runs, or that
    /// cannot be told (the owner's pid namespace is not ours or unknown, `/proc` is hidden).
    Alive,
    /// The record names another pid (the owner is between taking the lock and writing its record,
    /// or died there), and some process with this pid may run (or its namespace is not known to
    /// be ours): probably the owner, maybe a reused pid.
    Unconfirmed,
    /// Proven: no such process, a zombie, or the pid now belongs to a process started later.
    Dead,
}

/// Judges the owner of a held lock word (see [`Judgement`]).
pub(crate) fn judge(pid: u32, record: u64, ns: u32) -> Judgement {
    let (record_pid, start_time) = unpack_record(record);
    // The tag is the current owner's, or 0 (see `lock_word.rs`); the portable path has none.
    let same_namespace = crate::sys::PORTABLE || (ns != 0 && ns == current().ns);
    let known = |start_time| {
        let id = ProcessIdentity {
            pid,
            start_time,
            pid_ns: None,
        };
        same_namespace && id.liveness() == Liveness::Dead
    };
    if record_pid == pid {
        if known(start_time) {
            Judgement::Dead
        } else {
            Judgement::Alive
        }
    } else if known(0) {
        Judgement::Dead
    } else {
        Judgement::Unconfirmed
    }
}

/// The verdict a claimant or locker acts on at once: only an owner proven dead may be replaced
/// (fail closed; an unconfirmed owner counts as alive). A judge for [`RawLock::try_take_over`].
///
/// [`RawLock::try_take_over`]: super::lock_word::RawLock::try_take_over
pub(crate) fn verdict(pid: u32, record: u64, ns: u32) -> Verdict {
    match judge(pid, record, ns) {
        Judgement::Dead => Verdict::Dead,
        Judgement::Alive | Judgement::Unconfirmed => Verdict::Alive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_is_cached_and_alive() {
        let me = current();
        assert_eq!(me, current());
        assert_eq!(me.pid, std::process::id());
        assert_eq!(judge(me.pid, me.record, me.ns), Judgement::Alive);
        assert_eq!(judge(me.pid, 0, me.ns), Judgement::Unconfirmed);
        assert_eq!(judge(PID_MASK, 0, me.ns), Judgement::Dead);
        assert_eq!(verdict(me.pid, 0, me.ns), Verdict::Alive);
        assert_eq!(verdict(PID_MASK, 0, me.ns), Verdict::Dead);
        if !crate::sys::PORTABLE {
            assert_ne!(me.ns, 0, "this process reads its pid namespace");
        }
    }

    /// An owner whose tag is not our namespace's is never condemned by its pid, which names
    /// nobody (or someone else) here: the pid `PID_MASK` is free here, yet not dead there.
    #[test]
    fn owners_of_another_or_unknown_namespace_are_not_judged_by_pid() {
        if crate::sys::PORTABLE {
            return; // no namespaces there
        }
        let me = current();
        let dead_here = pack_record(PID_MASK, 5);
        for ns in [0, me.ns.wrapping_add(1)] {
            assert_eq!(judge(PID_MASK, dead_here, ns), Judgement::Alive);
            assert_eq!(judge(PID_MASK, 0, ns), Judgement::Unconfirmed);
            assert_eq!(verdict(PID_MASK, dead_here, ns), Verdict::Alive);
        }
        assert_eq!(judge(PID_MASK, dead_here, me.ns), Judgement::Dead);
    }
}
