//! Who the calling process is (cached) and whether the owner named in a lock word still runs.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Once;

use super::lock_word::{Owner, PID_MASK, Verdict, pack_record, unpack_record};
use crate::sys::process::{Liveness, ProcessIdentity};

static PID: AtomicU32 = AtomicU32::new(0);
static RECORD: AtomicU64 = AtomicU64::new(0);
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
    RECORD.store(record, Ordering::Relaxed);
    PID.store(id.pid, Ordering::Release);
    Owner {
        pid: id.pid,
        record,
    }
}

/// What can be said about the owner `pid` of a held lock word whose owner record reads `record`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// The record names this pid and the process with that pid and start time runs.
    Alive,
    /// The record names another pid (the owner is between taking the lock and writing its record,
    /// or died there), and some process with this pid runs: probably the owner, maybe a reused pid.
    Unconfirmed,
    /// No such process, a zombie, or the pid now belongs to a process started later.
    Dead,
}

/// Judges the owner of a held lock word (see [`Judgement`]).
pub(crate) fn judge(pid: u32, record: u64) -> Judgement {
    let (record_pid, start_time) = unpack_record(record);
    if record_pid == pid {
        match (ProcessIdentity { pid, start_time }).liveness() {
            Liveness::Alive => Judgement::Alive,
            Liveness::Dead => Judgement::Dead,
        }
    } else {
        match (ProcessIdentity { pid, start_time: 0 }).liveness() {
            Liveness::Alive => Judgement::Unconfirmed,
            Liveness::Dead => Judgement::Dead,
        }
    }
}

/// The verdict a claimant or locker acts on at once: only an owner proven dead may be replaced
/// (fail closed; an unconfirmed owner counts as alive). A judge for [`RawLock::try_take_over`].
///
/// [`RawLock::try_take_over`]: super::lock_word::RawLock::try_take_over
pub(crate) fn verdict(pid: u32, record: u64) -> Verdict {
    match judge(pid, record) {
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
        assert_eq!(judge(me.pid, me.record), Judgement::Alive);
        assert_eq!(judge(me.pid, 0), Judgement::Unconfirmed);
        assert_eq!(judge(PID_MASK, 0), Judgement::Dead);
        assert_eq!(verdict(me.pid, 0), Verdict::Alive);
        assert_eq!(verdict(PID_MASK, 0), Verdict::Dead);
    }
}
