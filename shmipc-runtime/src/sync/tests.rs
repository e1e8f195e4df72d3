//! In-process tests of the typed primitives (the multi-process ones are in `tests/tests/sync_*`).

use core::sync::atomic::Ordering;
use std::time::Duration;

use super::lock_word::{INCONSISTENT, WAITERS};
use super::*;
use crate::test_support::{Pair, create_unique, dead_pid, unique_name};

/// Marks the value repaired and checks that the next locker gets a plain guard.
fn repair(m: &SharedMutex<Pair>, mut g: MutexGuard<'_, Pair>) {
    g.mark_consistent();
    drop(g);
    assert!(m.lock().is_ok(), "a repaired mutex locks cleanly");
}

#[test]
fn threads_exclude_each_other() {
    let (n, _u) = unique_name("mx");
    let m = std::sync::Arc::new(SharedMutex::<Pair>::create(&n).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = std::sync::Arc::clone(&m);
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    let mut g = m.lock().unwrap();
                    g.a += 1;
                    g.b = !g.a;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let g = m.lock().unwrap();
    assert_eq!((g.a, g.b), (80_000, !80_000));
}

#[test]
fn try_lock_and_timeout_while_held() {
    let (n, _u) = unique_name("hd");
    let m = SharedMutex::<Pair>::create(&n).unwrap();
    let other = SharedMutex::<Pair>::open(&n).unwrap();
    let g = m.lock().unwrap();
    assert!(matches!(other.try_lock(), Err(LockError::WouldBlock)));
    assert!(matches!(
        other.lock_timeout(Duration::from_millis(20)),
        Err(LockError::Timeout)
    ));
    drop(g);
    assert!(other.try_lock().is_ok());
}

#[test]
fn dead_owner_is_reported_until_marked_consistent() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("dd");
    let pid = dead_pid();
    m.raw().word.store(pid | WAITERS, Ordering::Relaxed);
    m.raw()
        .record
        .store(lock_word::pack_record(pid, 12345), Ordering::Relaxed);
    // Told, holding the lock; dropped without repair: told again.
    let e = m.lock().unwrap_err();
    assert!(matches!(e, LockError::OwnerDied(_)));
    drop(e);
    assert_eq!(m.raw().word.load(Ordering::Relaxed), INCONSISTENT);
    let g = m.try_lock().unwrap_err().into_guard().unwrap();
    assert!(!g.is_consistent());
    repair(&m, g);
}

#[test]
fn a_panic_while_holding_leaves_the_value_inconsistent() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("pn");
    let panicked = std::thread::scope(|s| {
        s.spawn(|| {
            let mut g = m.lock().unwrap_or_else(|_| panic!("clean lock expected"));
            g.a = 1; // half of an update that keeps `b == !a`
            panic!("interrupted critical section");
        })
        .join()
        .is_err()
    });
    assert!(panicked);
    let mut g = match m.lock() {
        Err(LockError::OwnerDied(g)) => g,
        Err(e) => panic!("expected OwnerDied, got {e}"),
        Ok(_) => panic!("a panicked holder must leave the value marked inconsistent"),
    };
    assert_eq!(g.a, 1);
    g.b = !g.a;
    repair(&m, g);
}

#[test]
fn corrupted_word_is_an_error_with_the_lock_held() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("gb");
    m.raw().word.store(0x1234_5678, Ordering::Relaxed);
    match m.lock_timeout(Duration::from_secs(5)) {
        Err(LockError::Corrupted { guard, word }) => {
            assert_eq!(word, 0x1234_5678);
            repair(&m, guard);
        }
        other => panic!("expected Corrupted, got {other:?}"),
    }
}

#[test]
fn opening_with_another_layout_fails() {
    let (n, _u) = unique_name("ly");
    let _m = SharedMutex::<Pair>::create(&n).unwrap();
    assert!(matches!(
        SeqLock::<Pair>::open(&n),
        Err(crate::Error::Kind { .. })
    ));
    assert!(SharedMutex::<Pair>::create(&n).is_err());
}

#[test]
fn seqlock_round_trip_single_writer_and_empty() {
    let (n, _u) = unique_name("sq");
    let mut w = SeqLock::<Pair>::create(&n).unwrap();
    let mut r = SeqLock::<Pair>::open(&n).unwrap();
    assert_eq!(r.read(), Err(SeqLockError::Empty));
    assert_eq!(r.writer_state(), WriterState::None);
    w.write(&Pair { a: 1, b: !1 }).unwrap();
    assert_eq!(
        r.read_versioned(DEFAULT_READ_TIMEOUT),
        Ok((Pair { a: 1, b: !1 }, 1))
    );
    assert_eq!(
        r.write(&Pair::default()),
        Err(SeqLockError::WriterBusy {
            pid: std::process::id()
        })
    );
    assert_eq!(r.writer_state(), WriterState::Alive(std::process::id()));
    drop(w);
    r.write(&Pair { a: 2, b: !2 }).unwrap();
    assert_eq!(r.read(), Ok(Pair { a: 2, b: !2 }));
    assert_eq!(r.version(), 2);
}

#[test]
fn seqlock_dead_writer_is_replaced() {
    let (_u, mut r) = create_unique::<SeqLock<Pair>>("sqd");
    let pid = dead_pid();
    r.token().word.store(pid, Ordering::Relaxed);
    assert_eq!(r.writer_state(), WriterState::Dead(pid));
    r.write(&Pair { a: 7, b: !7 }).unwrap();
    assert_eq!(r.read(), Ok(Pair { a: 7, b: !7 }));
}

#[test]
fn seqlock_threads_never_see_torn_values() {
    let (n, _u) = unique_name("sqt");
    let mut w = SeqLock::<Pair>::create(&n).unwrap();
    w.write(&Pair { a: 0, b: !0 }).unwrap();
    let r = SeqLock::<Pair>::open(&n).unwrap();
    let stop = std::sync::Arc::new(core::sync::atomic::AtomicBool::new(false));
    let s = std::sync::Arc::clone(&stop);
    let reader = std::thread::spawn(move || {
        let mut reads = 0u64;
        while !s.load(Ordering::Relaxed) || reads < 1000 {
            let v = r.read().unwrap();
            assert_eq!(v.b, !v.a, "torn");
            reads += 1;
        }
        reads
    });
    for a in 1..50_000u64 {
        w.write(&Pair { a, b: !a }).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() >= 1000);
}

#[test]
fn garbage_owner_pid_is_recovered() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("gp");
    // A well-formed word naming a pid that cannot exist (above any pid_max), garbage record.
    m.raw().word.store(lock_word::PID_MASK, Ordering::Relaxed);
    m.raw().record.store(0xdead_beef, Ordering::Relaxed);
    let e = m.lock_timeout(Duration::from_secs(10)).unwrap_err();
    assert!(matches!(e, LockError::OwnerDied(_)), "{e:?}");
}

#[test]
fn live_pid_without_its_record_is_not_waited_on_forever() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("lp");
    // Pid 1 always runs, but the record names nobody: garbage (or an owner frozen between its
    // CAS and its record store). After the grace period it is taken over.
    m.raw().word.store(1, Ordering::Relaxed);
    assert!(matches!(m.try_lock(), Err(LockError::WouldBlock)));
    let e = m.lock_timeout(Duration::from_secs(30)).unwrap_err();
    assert!(matches!(e, LockError::OwnerDied(_)), "{e:?}");
}

#[test]
fn garbage_sequence_never_hangs_a_reader() {
    let (_u, s) = create_unique::<SeqLock<Pair>>("gs");
    for garbage in [u64::MAX, 1, 0x8000_0000_0000_0001, 3] {
        s.seq().store(garbage, Ordering::Relaxed);
        // Any slot content is a valid Pair; the point is an answer, not a hang.
        let _ = s.read_timeout(Duration::from_secs(5));
    }
    s.seq().store(0, Ordering::Relaxed);
    assert_eq!(s.read(), Err(SeqLockError::Empty));
}
