//! loom models of the lock-word state machine: the protocol code of `lock_word.rs`, run over
//! loom's atomics (the seqlock's models are in `seq_loom_models.rs`) with process death modelled as a thread that
//! stops (and a judge that reads a "dead" flag).
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p shmipc-runtime --release --lib loom`

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use loom::thread;

use super::lock_word::{Acquired, LockWords, Owner, RawLock, Verdict, pack_record};
use crate::loom_support::{Futex, model, spawn};

fn owner(pid: u32) -> Owner {
    Owner {
        pid,
        record: pack_record(pid, 1000 + u64::from(pid)),
        ns: 1,
    }
}

/// The judge of the models: pid 1 is the only process that dies.
fn dead_if_pid_1(pid: u32, pid_1_dead: bool) -> Verdict {
    if pid == 1 && pid_1_dead {
        Verdict::Dead
    } else {
        Verdict::Alive
    }
}

struct Shared {
    words: LockWords,
    data: UnsafeCell<u64>,
    /// Whether pid 1 (its first process, where a model reuses the pid) is dead.
    dead: AtomicBool,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            words: LockWords::new(0, 0),
            data: UnsafeCell::new(0),
            dead: AtomicBool::new(false),
        }
    }
    /// Writes the protected data through loom's cell, which fails the model on any overlapping
    /// access (a mutual-exclusion bug) instead of racing.
    fn update(&self, f: impl FnOnce(u64) -> u64) {
        // SAFETY: the pointer is valid while `self` lives, and loom's `UnsafeCell` tracks the
        // access: one that overlaps another thread's fails the model before it happens.
        self.data.with_mut(|d| unsafe { *d = f(*d) });
    }
    fn get(&self) -> u64 {
        // SAFETY: as in `update`; called after every other thread was joined.
        self.data.with(|d| unsafe { *d })
    }
    fn lock(&self) -> RawLock<'_> {
        self.words.raw()
    }
    /// Spins (yielding) until acquired, taking over from pid 1 once it is dead.
    fn acquire(&self, me: Owner) -> Acquired {
        loop {
            match self.lock().try_acquire(me, false) {
                Ok(a) => return a,
                Err(seen) => {
                    let dead = self.dead.load(Ordering::Acquire);
                    let judged = self
                        .lock()
                        .try_take_over(seen, me, |pid, _, _| dead_if_pid_1(pid, dead));
                    if let Some(a) = judged {
                        return a;
                    }
                }
            }
            thread::yield_now();
        }
    }
}

/// A model over one fresh [`Shared`] lock (see [`model`]).
fn model_shared(f: impl Fn(Arc<Shared>) + Sync + Send + 'static) {
    model(move || f(Arc::new(Shared::new())));
}

/// Runs `locker` as pids 2 and 3, each on a thread of its own, and waits for both.
fn pids_2_and_3(s: &Arc<Shared>, locker: impl Fn(&Shared, Owner) + Clone + 'static) {
    let handles: Vec<_> = [2u32, 3]
        .into_iter()
        .map(|pid| {
            let locker = locker.clone();
            spawn(s, move |s| locker(s, owner(pid)))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn loom_lock_excludes() {
    model_shared(|s| {
        pids_2_and_3(&s, |s, me| {
            assert_eq!(s.acquire(me), Acquired::Clean);
            // UnsafeCell access: loom reports a race if two holders overlap.
            s.update(|d| d + 1);
            s.lock().release(true);
        });
        assert_eq!(s.get(), 2);
        assert_eq!(s.words.word.load(Ordering::Relaxed), 0);
    });
}

#[test]
fn loom_dead_owner_is_taken_over_exactly_once() {
    model_shared(|s| {
        // pid 1 takes the lock, writes half a value, and dies holding it.
        spawn(&s, |s| {
            assert_eq!(s.lock().try_acquire(owner(1), false), Ok(Acquired::Clean));
            s.update(|_| 100);
            s.dead.store(true, Ordering::Release);
        })
        .join()
        .unwrap();
        let told = Arc::new(AtomicU32::new(0));
        let tell = Arc::clone(&told);
        pids_2_and_3(&s, move |s, me| {
            let how = s.acquire(me);
            if how == Acquired::OwnerDied {
                tell.fetch_add(1, Ordering::Relaxed);
                s.update(|_| 0); // repair
            } else {
                assert_eq!(how, Acquired::Clean);
            }
            s.update(|d| d + 1);
            s.lock().release(true); // marked consistent
        });
        assert_eq!(
            told.load(Ordering::Relaxed),
            1,
            "exactly one locker is told"
        );
        assert_eq!(s.get(), 2);
    });
}

#[test]
fn loom_owner_dies_while_others_wait() {
    model_shared(|s| {
        let a = spawn(&s, |s| {
            if s.lock().try_acquire(owner(1), false).is_ok() {
                s.dead.store(true, Ordering::Release); // dies holding it
                true
            } else {
                false
            }
        });
        let b = spawn(&s, |s| {
            let how = s.acquire(owner(2));
            s.lock().release(true);
            how
        });
        let a_held = a.join().unwrap();
        let how = b.join().unwrap();
        // B is told exactly when A died holding the lock before B got it.
        if how == Acquired::OwnerDied {
            assert!(a_held);
        }
        if a_held {
            // A either died after B released (then the word names A) or B took over.
            let w = s.words.word.load(Ordering::Relaxed);
            assert!(how == Acquired::OwnerDied || w & 0x3f_ffff == 1);
        }
    });
}

/// Lock with sleeping: a locker that finds the lock held sets WAITERS and sleeps on the word; the
/// unlocker wakes only when WAITERS was set. loom reports a deadlock if a wake-up is ever lost.
fn acquire_sleeping(s: &Shared, futex: &Futex, me: Owner) {
    let mut slept = false;
    loop {
        match s.lock().try_acquire(me, slept) {
            Ok(a) => {
                assert_eq!(a, Acquired::Clean);
                return;
            }
            Err(seen) => {
                if let Ok(sleep_on) = s.lock().announce_waiter(seen) {
                    futex.wait(&s.words.word, sleep_on);
                    slept = true;
                }
            }
        }
    }
}

fn release_waking(s: &Shared, futex: &Futex) {
    if s.lock().release(true) {
        futex.wake();
    }
}

#[test]
fn loom_no_lost_wake_up() {
    model_shared(|s| {
        let futex = Arc::new(Futex::new());
        pids_2_and_3(&s, move |s, me| {
            acquire_sleeping(s, &futex, me);
            s.update(|d| d + 1);
            release_waking(s, &futex);
        });
        assert_eq!(s.get(), 2);
    });
}

/// Takes the lock, spinning (no take-over: for owners whose rivals never die).
fn spin_acquire(s: &Shared, me: Owner) {
    while s.lock().try_acquire(me, false).is_err() {
        thread::yield_now();
    }
}

/// A judge that knows which processes run: pid 1 was first `(1, t1)`, which exits (`gone`) after
/// its hold, and then a new process reuses pid 1 with start time t2 (`reused`). Records name a
/// process exactly; a record of another pid only tells whether pid 1 exists (it always does here).
fn judge_pid_reuse(gone: bool, pid: u32, record: u64) -> Verdict {
    let (rec_pid, _) = super::lock_word::unpack_record(record);
    if pid == 1 && rec_pid == 1 && record == owner(1).record && gone {
        Verdict::Dead
    } else {
        Verdict::Alive
    }
}

/// Pid reuse: the first process with pid 1 locks, unlocks and exits; a second process that got pid
/// 1 locks. A locker that judges the first process dead must never take the lock over from the
/// second (neither by reading the first's stale record beside the second's word, nor by an ABA on
/// the word, whose value is the same for both holds).
#[test]
fn loom_pid_reuse_never_takes_over_a_live_owner() {
    model_shared(|s| {
        let reused = Owner {
            pid: 1,
            record: pack_record(1, 2000),
            ns: 1,
        };
        let a = spawn(&s, move |s| {
            spin_acquire(s, owner(1));
            s.lock().release(true);
            s.dead.store(true, Ordering::Release); // the first process with pid 1 is gone
            // The pid is reused by another process, which locks and holds.
            spin_acquire(s, reused);
            s.update(|d| d + 1);
            s.lock().release(true);
        });
        let c = spawn(&s, |s| {
            let me = owner(3);
            loop {
                match s.lock().try_acquire(me, false) {
                    Ok(_) => break,
                    Err(seen) => {
                        // The judge looks at the processes after reading the record.
                        let taken = s.lock().try_take_over(seen, me, |pid, rec, _| {
                            judge_pid_reuse(s.dead.load(Ordering::Acquire), pid, rec)
                        });
                        if taken.is_some() {
                            break;
                        }
                    }
                }
                thread::yield_now();
            }
            // UnsafeCell access: loom reports two simultaneous holders.
            s.update(|d| d + 1);
            s.lock().release(true);
        });
        a.join().unwrap();
        c.join().unwrap();
        assert_eq!(s.get(), 2);
    });
}

/// A locker that judged an old owner dead must not clear the owner record of the owner that
/// replaced it meanwhile: with its record gone, a live owner looks "unconfirmed" to every waiter
/// and is taken over after the grace period.
#[test]
fn loom_stale_take_over_keeps_the_new_owners_record() {
    model_shared(|s| {
        let p = spawn(&s, |s| {
            // pid 1 locks, unlocks and exits; then pid 2 locks and holds.
            spin_acquire(s, owner(1));
            s.lock().release(true);
            s.dead.store(true, Ordering::Release);
            spin_acquire(s, owner(2));
            let rec = s.words.record.load(Ordering::Relaxed);
            s.lock().release(true);
            rec
        });
        let c = spawn(&s, |s| {
            if let Err(seen) = s.lock().try_acquire(owner(3), false) {
                // The judge looks at the processes after reading the record.
                let dead = |pid, _, _| dead_if_pid_1(pid, s.dead.load(Ordering::Acquire));
                if s.lock().try_take_over(seen, owner(3), dead).is_some() {
                    s.lock().release(true);
                }
            } else {
                s.lock().release(true);
            }
        });
        let rec = p.join().unwrap();
        c.join().unwrap();
        assert_eq!(rec, owner(2).record, "the holder's record was cleared");
    });
}

/// Spins (yielding) until acquired, taking over from owners `judge` condemns.
fn acquire_judging(s: &Shared, me: Owner, judge: impl Fn(u32, u64, u32) -> Verdict) {
    loop {
        match s.lock().try_acquire(me, false) {
            Ok(_) => return,
            Err(seen) => {
                if s.lock().try_take_over(seen, me, &judge).is_some() {
                    return;
                }
            }
        }
        thread::yield_now();
    }
}

/// Pid namespaces: pid 1 of namespace A locks and dies holding; pid 2 of namespace B takes over
/// (it is told that pid 1 died). Pid 2 names nobody in A, so a judge in A that believed a tag of A
/// beside pid 2's word (the dead owner's stale tag, or one read before pid 2 wrote its own) would
/// condemn pid 2. The tag protocol (cleared before the take-over CAS, written before the
/// release-stored record, cleared on release) must keep the judge in A from ever taking the lock
/// from the live pid 2.
#[test]
fn loom_a_judge_never_condemns_an_owner_of_another_namespace() {
    const A: u32 = 1;
    const B: u32 = 2;
    model_shared(|s| {
        // Pid 1 (namespace A) locked and died holding the lock.
        s.lock().try_acquire(owner(1), false).unwrap();
        let t = spawn(&s, |s| {
            acquire_judging(s, Owner { ns: B, ..owner(2) }, |pid, _, _| {
                dead_if_pid_1(pid, true)
            });
            s.update(|d| d + 1);
            s.lock().release(true);
        });
        let j = spawn(&s, |s| {
            // In namespace A pid 1 is dead and pid 2 does not exist; owners tagged otherwise
            // cannot be told (the real judge in `owner.rs` decides the same way).
            acquire_judging(s, Owner { ns: A, ..owner(3) }, |pid, _, ns| {
                if ns == A && (pid == 1 || pid == 2) {
                    Verdict::Dead
                } else {
                    Verdict::Alive
                }
            });
            // UnsafeCell access: loom reports two simultaneous holders.
            s.update(|d| d + 1);
            s.lock().release(true);
        });
        t.join().unwrap();
        j.join().unwrap();
        assert_eq!(s.get(), 2);
    });
}
