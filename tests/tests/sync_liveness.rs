//! A live lock holder is never judged dead, however badly the judge can see it: `/proc` hidden
//! by a tmpfs, `/proc` mounted `hidepid=2` with the locker running as another user, or a holder
//! whose main thread exited (its `/proc/PID/stat` says `Z`). Cannot tell means alive: the locker
//! times out instead of taking over. A holder that really died is still taken over.
//!
//! Tests whose names start with `root_` build private mount namespaces and change uid, so they
//! need root; run as another user they fail with a note (skip them with `--skip root_`).

use std::time::Duration;

use shmipc::{LockError, SharedMutex};
use shmipc_schemas::Ping;
use shmipc_tests::{Peer, guarded_name, require_root};

const PEER: &str = env!("CARGO_BIN_EXE_liveness_peer");
/// Long enough for a locker to wake up and judge the owner several times.
const LOCK_MS: &str = "500";

/// A mutex anyone may open (the `hidepid` locker runs as `nobody`).
fn create(name: &str) -> SharedMutex<Ping> {
    shmipc_tests::create_with_mode(name, 0o666)
}

/// This process holds the lock; a locker in `env` tries for half a second.
fn locker_sees_live_holder(env: &str, tag: &str) {
    let (name, _cleanup) = guarded_name(tag);
    let m = create(&name);
    let _guard = m.lock().expect("a clean lock");
    let line = Peer::run(PEER, &["lock", env, &name, LOCK_MS]);
    assert_eq!(
        line, "timeout",
        "a locker in `{env}` took over a live holder"
    );
}

#[test]
fn root_locker_without_proc_does_not_take_over_a_live_holder() {
    require_root("mounts a tmpfs over /proc in a private mount namespace");
    locker_sees_live_holder("no-proc", "lnp");
}

#[test]
fn root_locker_under_hidepid_does_not_take_over_a_live_holder() {
    require_root("mounts /proc with hidepid=2 and runs the locker as nobody");
    locker_sees_live_holder("hidepid", "lhp");
}

#[test]
#[cfg_attr(
    feature = "portable",
    ignore = "the portable path (kill(pid, 0) only) has no pid namespaces: a locker in another \
              namespace judges by a pid that means another process there (documented in sys/process.rs)"
)]
fn root_locker_in_another_pid_namespace_does_not_take_over_a_live_holder() {
    require_root("runs the locker in a new pid namespace");
    locker_sees_live_holder("pidns", "lpn");
}

#[test]
fn root_holder_in_another_pid_namespace_is_not_taken_over() {
    require_root("runs the holder in a new pid namespace");
    let (name, _cleanup) = guarded_name("lph");
    let m = create(&name);
    // The holder is pid 1 there; here pid 1 is init, started long before.
    let holder = Peer::spawn_ready(PEER, &["hold", "pidns", &name]);
    match m.lock_timeout(Duration::from_millis(500)) {
        Err(LockError::Timeout) => {}
        Err(LockError::OwnerDied(_)) => {
            panic!("a live holder of another pid namespace was taken over")
        }
        other => panic!(
            "unexpected: {:?}",
            other.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
    drop(holder);
}

/// The process state of `pid` (field 3 of `/proc/PID/stat`).
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

#[test]
fn zombie_leader_with_a_live_holding_thread_is_not_taken_over() {
    let (name, _cleanup) = guarded_name("lzl");
    let m = create(&name);
    let holder = Peer::spawn_ready(PEER, &["hold-zombie", &name]);
    // Wait (bounded) until the main thread really exited and the leader shows as a zombie.
    let mut tries = 0;
    while state(holder.pid()) != Some('Z') {
        tries += 1;
        assert!(tries < 1000, "the holder's leader never became a zombie");
        std::thread::sleep(Duration::from_millis(10));
    }
    match m.lock_timeout(Duration::from_millis(500)) {
        Err(LockError::Timeout) => {}
        Err(LockError::OwnerDied(_)) => panic!("a live holder (zombie leader) was taken over"),
        other => panic!(
            "unexpected: {:?}",
            other.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
    drop(holder);
}

#[test]
fn sigkilled_holder_is_taken_over() {
    let (name, _cleanup) = guarded_name("lsk");
    let m = create(&name);
    let mut holder = Peer::spawn_ready(PEER, &["hold", "plain", &name]);
    holder.kill();
    match m.lock_timeout(Duration::from_secs(10)) {
        Err(LockError::OwnerDied(_)) => {}
        other => panic!(
            "a dead holder was not taken over: {:?}",
            other.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

#[test]
fn root_locker_under_hidepid_still_takes_over_a_dead_holder() {
    require_root("mounts /proc with hidepid=2 and runs the locker as nobody");
    let (name, _cleanup) = guarded_name("lhd");
    let _m = create(&name);
    let mut holder = Peer::spawn_ready(PEER, &["hold", "plain", &name]);
    holder.kill();
    let line = Peer::run(PEER, &["lock", "hidepid", &name, "10000"]);
    assert_eq!(line, "owner-died");
}

#[test]
fn root_replace_dead_without_proc_keeps_a_live_creators_segment() {
    require_root("mounts a tmpfs over /proc in a private mount namespace");
    let (name, _cleanup) = guarded_name("lrd");
    let m = create(&name);
    m.lock().expect("a clean lock").seq = 7;
    let line = Peer::run(PEER, &["replace", "no-proc", &name]);
    assert_eq!(line, "exists", "a live creator's segment was replaced");
    let again = SharedMutex::<Ping>::builder(&name)
        .mode(0o666)
        .open()
        .expect("the segment is still there");
    assert_eq!(again.lock().expect("a clean lock").seq, 7);
}
