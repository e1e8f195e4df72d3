//! In-process tests of the typed primitives (the multi-process ones are in `tests/tests/sync_*`).

use core::sync::atomic::Ordering;
use std::time::Duration;

use super::lock_word::{INCONSISTENT, WAITERS};
use super::*;
use crate::test_support::{Pair, U64, create_unique, dead_pid, fork_status, unique_name};
use crate::{Endian, FieldLayout, FieldType, Layout, SharedLayout};

/// 4 KiB: larger than a guard's own buffer, so its copy takes the heap path.
#[derive(Clone, Copy)]
#[repr(C)]
struct Big {
    words: [u64; 512],
}

static BIG_ARRAY: FieldType = FieldType::Array {
    elem: &U64,
    len: 512,
};
static BIG_FIELDS: [FieldLayout; 1] = [FieldLayout::__new("words", 0, 4096, 8, &BIG_ARRAY)];
static BIG_LAYOUT: Layout = Layout::__new("Big", 1, Endian::Native, 4096, 8, &BIG_FIELDS);

// SAFETY: repr(C), one array of u64 (no padding, no pointers, every bit pattern valid, no Drop),
// described truthfully by BIG_LAYOUT.
unsafe impl SharedLayout for Big {
    const LAYOUT: &'static Layout = &BIG_LAYOUT;
    const FINGERPRINT: u64 = BIG_LAYOUT.fingerprint();
}

/// Marks the value repaired and checks that the next locker gets a plain guard.
fn repair(m: &SharedMutex<Pair>, mut g: MutexGuard<'_, Pair>) {
    g.mark_consistent();
    drop(g);
    assert!(m.lock().is_ok(), "a repaired mutex locks cleanly");
}

/// Runs `update` on the locked value `rounds` times on each of `threads` threads at once, and
/// waits for all of them.
fn update_from_threads<T: SharedLayout + Send>(
    m: &SharedMutex<T>,
    threads: usize,
    rounds: usize,
    update: impl Fn(&mut T) + Sync,
) {
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..rounds {
                    update(&mut *m.lock().unwrap());
                }
            });
        }
    });
}

#[test]
fn threads_exclude_each_other() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("mx");
    update_from_threads(&m, 4, 20_000, |v| {
        v.a += 1;
        v.b = !v.a;
    });
    let g = m.lock().unwrap();
    assert_eq!((g.a, g.b), (80_000, !80_000));
}

#[test]
fn threads_exclude_each_other_with_a_large_value() {
    let (_u, m) = create_unique::<SharedMutex<Big>>("mxb");
    update_from_threads(&m, 3, 2_000, |v| {
        v.words[0] += 1;
        v.words[511] = !v.words[0];
    });
    let g = m.lock().unwrap();
    assert_eq!((g.words[0], g.words[511]), (6_000, !6_000));
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
    // A dead owner of our pid namespace (of another, or unknown, it would count as alive).
    m.raw()
        .owner_ns
        .store(owner::current().ns, Ordering::Relaxed);
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
    // It died after writing its namespace tag, before its record.
    r.token()
        .owner_ns
        .store(owner::current().ns, Ordering::Relaxed);
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

/// A peer keeps completing writes during every copy (here: bumps the sequence by a whole ring
/// each attempt), so no copy is ever consistent: the read must give up with `Timeout`. The peer
/// stops after `BOUND`, so a reader without a timeout returns `Ok` then (a failure), not never.
#[test]
fn garbage_sequence_never_hangs_a_reader() {
    const BOUND: Duration = Duration::from_secs(20);
    let (_u, s) = create_unique::<SeqLock<Pair>>("gs");
    for garbage in [u64::MAX, 1, 0x8000_0000_0000_0001, 3] {
        s.seq().store(garbage, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let mut attempts = 0u64;
        let got = s.read_racing(Duration::from_millis(20), || {
            attempts += 1;
            if started.elapsed() < BOUND {
                s.seq().fetch_add(4, Ordering::Relaxed);
            }
        });
        assert_eq!(
            got.map(|(_, v)| v),
            Err(SeqLockError::Timeout(Duration::from_millis(20))),
            "garbage {garbage:#x}: {attempts} attempts"
        );
        assert!(attempts > 1, "the read retried");
    }
    // A garbage sequence that no slot's stamp confirms is refused, not handed out; the next
    // write repairs it.
    s.seq().store(0x8000_0000_0000_0001, Ordering::Relaxed);
    assert_eq!(
        s.read_timeout(Duration::ZERO),
        Err(SeqLockError::Timeout(Duration::ZERO))
    );
    let mut s = s;
    s.write(&Pair { a: 5, b: !5 }).unwrap();
    assert_eq!(s.read(), Ok(Pair { a: 5, b: !5 }));
    s.seq().store(0, Ordering::Relaxed);
    assert_eq!(s.read(), Err(SeqLockError::Empty));
}

/// The guard works on a private copy: a peer that writes the value while we hold the lock (it
/// ignores the protocol) changes neither what we already read nor what we see next.
#[test]
fn a_peer_writing_under_our_lock_does_not_change_our_view() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("hv");
    let mut g = m.lock().unwrap();
    g.a = 1;
    let peer = || {
        // SAFETY: the value's first word, 64-aligned in the mapping; a relaxed atomic store like
        // the guard's own copies (`atomic_copy`), so this test races nothing.
        unsafe { core::sync::atomic::AtomicU64::from_ptr(m.value_ptr().cast()) }
            .store(666, Ordering::Relaxed)
    };
    peer();
    let first = g.a;
    peer();
    assert_eq!((first, g.a), (1, 1), "the guard saw the peer's write");
    drop(g);
    // Our copy was written back at unlock, over the peer's word.
    assert_eq!(m.lock().unwrap().a, 1);
}

#[test]
fn a_guard_of_a_small_value_holds_its_copy_and_stays_small() {
    // The documented size (under 100 bytes, so `LockResult` stays a small `Result`).
    assert!(size_of::<MutexGuard<'_, Pair>>() < 100);
    assert!(size_of::<MutexGuard<'_, Big>>() < 100);
}

#[test]
fn in_place_access_is_seen_and_not_overwritten_by_the_copy() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("ip");
    let mut g = m.lock().unwrap();
    g.a = 5; // in the copy
    // SAFETY: no other thread or process uses this test's mutex.
    let v = unsafe { g.get_mut_in_place() };
    assert_eq!(v.a, 5, "the copy was written back first");
    v.b = 6;
    assert_eq!((g.a, g.b), (5, 6), "the next dereference copies in again");
    g.a = 7;
    drop(g);
    assert_eq!(*m.lock().unwrap(), Pair { a: 7, b: 6 });
}

/// Runs `child` in a forked child process and returns its exit code (see [`fork_status`]).
fn in_fork(child: impl FnOnce() -> i32) -> i32 {
    let status = fork_status(child);
    assert!(
        libc::WIFEXITED(status),
        "child ended abnormally: {status:#x}"
    );
    libc::WEXITSTATUS(status)
}

#[test]
fn the_writer_role_does_not_survive_fork() {
    let (n, _u) = unique_name("fw");
    let _owner = SeqLock::<Pair>::create(&n).unwrap();
    let mut w = SeqLock::<Pair>::open(&n).unwrap();
    w.write(&Pair { a: 1, b: !1 }).unwrap();
    let parent = std::process::id();
    let code = in_fork(|| {
        // SAFETY: a bitwise copy of the handle that the child then owns alone: the child's `w`
        // is neither used nor dropped after this (the child `_exit`s).
        let mut inherited = unsafe { core::ptr::read(&w) };
        // What drop does first: must not release the parent's role (checked by the write).
        inherited.release_writer();
        // The inherited handle claimed the role in the parent, not here.
        let refused =
            inherited.write(&Pair { a: 9, b: 9 }) == Err(SeqLockError::WriterBusy { pid: parent });
        drop(inherited); // must not release the parent's role
        i32::from(!refused)
    });
    assert_eq!(
        code, 0,
        "the forked child wrote through the inherited writer handle"
    );
    let mut other = SeqLock::<Pair>::open(&n).unwrap();
    assert_eq!(other.writer_state(), WriterState::Alive(parent));
    assert_eq!(
        other.write(&Pair::default()),
        Err(SeqLockError::WriterBusy { pid: parent }),
        "the child's drop released the parent's role"
    );
    assert_eq!(
        other.read_versioned(DEFAULT_READ_TIMEOUT),
        Ok((Pair { a: 1, b: !1 }, 1))
    );
}

#[test]
fn a_guard_inherited_by_fork_neither_unlocks_nor_writes_back() {
    let (_u, m) = create_unique::<SharedMutex<Pair>>("fg");
    let mut g = m.lock().unwrap();
    g.a = 1;
    let code = in_fork(|| {
        // SAFETY: as in `the_writer_role_does_not_survive_fork`: the child's `g` is neither used
        // nor dropped after this copy.
        let mut inherited = unsafe { core::ptr::read(&g) };
        inherited.a = 99;
        drop(inherited);
        // The parent still holds the lock (it is alive), so the child must not get it.
        match m.try_lock() {
            Err(LockError::WouldBlock) => 0,
            _ => 1,
        }
    });
    assert_eq!(
        code, 0,
        "the child's drop of an inherited guard unlocked the parent's lock"
    );
    assert_eq!(m.holder(), Some(std::process::id()));
    assert_eq!(g.a, 1);
    drop(g);
    assert_eq!(m.lock().unwrap().a, 1, "the child's copy was written back");
}

#[test]
fn a_role_token_is_released_only_by_the_process_that_claimed_it() {
    // Process-private memory is enough: the child works on its copy and reports.
    let token = RoleToken::default();
    token.claim().unwrap();
    let parent = std::process::id();
    let code = in_fork(|| {
        let released = token.release();
        let kept = token.holder() == RoleHolder::Alive(parent) && !token.is_mine();
        i32::from(released || !kept)
    });
    assert_eq!(code, 0, "a forked child released its parent's role");
    assert!(token.is_mine());
    assert!(token.release());
    assert_eq!(token.holder(), RoleHolder::None);
}
