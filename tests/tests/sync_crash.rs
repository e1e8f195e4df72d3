//! Crash trials: a child process is SIGKILLed at a random point while it locks and unlocks in a
//! loop (holding, acquiring, or right after releasing), or while it sleeps in `lock()` (killed only
//! once the lock word's `WAITERS` bit shows that it really waits). The parent must then acquire
//! within a bounded time, and be told `OwnerDied` exactly when the child died holding the lock
//! (the lock word still names it).

use std::time::{Duration, Instant};

use shmipc::{LockError, SharedMutex};
use shmipc_schemas::Ping;
use shmipc_tests::{Peer, Rng, guarded_name};

const SYNC_PEER: &str = env!("CARGO_BIN_EXE_sync_peer");

/// Generous: a correct run acquires within milliseconds; this only turns a hang into a failure.
const BOUND: Duration = Duration::from_secs(20);

#[derive(Debug, Default)]
struct Tally {
    died_holding: u32,
    died_not_holding: u32,
    died_waiting: u32,
}

fn run_trials(trials: u32) -> Tally {
    let (name, _cleanup) = guarded_name("cr");
    let m = SharedMutex::<Ping>::create(&name).unwrap();
    let mut rng = Rng::from_env_or_time();
    let mut tally = Tally::default();
    for trial in 0..trials {
        if rng.below(4) == 0 {
            // Killed while blocked in lock(): it never held the lock, so nobody is told.
            let held = m.lock_timeout(BOUND).expect("parent locks");
            let mut child = Peer::spawn_ready(SYNC_PEER, &["acquire", &name]);
            wait_until_parked(&m, &child, trial);
            child.kill_after(Duration::from_micros(rng.below(2_000)));
            drop(held);
            let g = m.lock_timeout(BOUND);
            assert!(
                g.is_ok(),
                "trial {trial}: a dead waiter must not poison: {g:?}"
            );
            tally.died_waiting += 1;
            continue;
        }
        let mut child = Peer::spawn_ready(SYNC_PEER, &["hold-loop", &name]);
        let pid = child.pid();
        child.kill_after(Duration::from_micros(rng.below(1_500)));
        // Ground truth: the dead child is named in the lock word iff it died holding the lock.
        let died_holding = m.holder() == Some(pid);
        match m.lock_timeout(BOUND) {
            Ok(g) => {
                assert!(
                    !died_holding,
                    "trial {trial}: not told that the holder died"
                );
                assert_eq!(g.sent_ns, 0, "trial {trial}: was inside, yet not told");
                tally.died_not_holding += 1;
            }
            Err(LockError::OwnerDied(mut g)) => {
                assert!(
                    died_holding,
                    "trial {trial}: told OwnerDied, but the child did not hold it"
                );
                g.sent_ns = 0; // repair: leave the critical section's marker
                g.mark_consistent();
                tally.died_holding += 1;
            }
            Err(e) => panic!("trial {trial}: unexpected {e}"),
        }
    }
    // After all that, the mutex works normally.
    assert!(m.try_lock().is_ok());
    println!("{tally:?}");
    tally
}

/// The holder is killed while the parent already sleeps in `lock()`: nobody will ever wake the
/// parent, so it must notice the death by itself.
#[test]
fn holder_killed_while_parent_waits() {
    let mut rng = Rng::from_env_or_time();
    let (name, _cleanup) = guarded_name("hw");
    let m = SharedMutex::<Ping>::create(&name).unwrap();
    for trial in 0..10 {
        let mut child = holding_peer(&m, &name);
        let delay = Duration::from_micros(rng.below(20_000));
        let killer = std::thread::spawn(move || {
            child.kill_after(delay);
        });
        match m.lock_timeout(BOUND) {
            Err(LockError::OwnerDied(mut g)) => g.mark_consistent(),
            other => panic!("trial {trial}: expected OwnerDied, got {other:?}"),
        }
        killer.join().unwrap();
    }
}

/// Waits until `child` waits for `m` for real: it announced itself in the lock word (the
/// `WAITERS` bit, set right before it sleeps) and, where `/proc` tells, it sleeps. Only the
/// child can have set the bit: the parent holds the lock and nobody else uses it.
fn wait_until_parked(m: &SharedMutex<Ping>, child: &Peer, trial: u32) {
    let stat = format!("/proc/{}/stat", child.pid());
    let started = Instant::now();
    loop {
        let sleeping = std::fs::read_to_string(&stat).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('S'))
        });
        if m.has_waiters() && sleeping {
            return;
        }
        assert!(
            started.elapsed() < BOUND,
            "trial {trial}: the child never waited for the lock"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// A peer that has locked `m` (named `name`) and holds it until killed.
fn holding_peer(m: &SharedMutex<Ping>, name: &str) -> Peer {
    let child = Peer::spawn_ready(SYNC_PEER, &["acquire", name]);
    // "ready" comes before its lock(); wait until it holds the lock.
    while m.holder() != Some(child.pid()) {
        std::thread::sleep(Duration::from_micros(200));
    }
    child
}

#[test]
fn crash_200_trials() {
    let t = run_trials(200);
    assert_eq!(t.died_holding + t.died_not_holding + t.died_waiting, 200);
}

/// `cargo test -p shmipc-tests --release --test sync_crash -- --ignored --nocapture`
#[test]
#[ignore = "1,000 trials: run on demand"]
fn crash_1000_trials() {
    let t = run_trials(1000);
    assert_eq!(t.died_holding + t.died_not_holding + t.died_waiting, 1000);
}
