//! Wait/wake across processes: a sleeping waiter in another process is woken, a timeout fires,
//! and the uncontended fast paths make no system calls (counted with `strace -c -f` when strace is
//! installed; skipped with a message otherwise, except in CI, where a missing strace fails).

use std::process::Command;
use std::time::Duration;

use shmipc::{SeqLock, SharedMutex, WaitCell};
use shmipc_schemas::Ping;
use shmipc_tests::raw_map::RawMap;
use shmipc_tests::{Peer, ShmCleanup, guarded_name, unique_name};

const SYNC_PEER: &str = env!("CARGO_BIN_EXE_sync_peer");

fn cell_map(name: &str) -> RawMap {
    RawMap::new(name, 4096, true).unwrap()
}

#[test]
fn sleeping_waiter_in_another_process_is_woken() {
    let (name, _cleanup) = guarded_name("wk");
    let map = cell_map(&name);
    // SAFETY: the mapping is page-aligned, outlives `cell`, and its first 8 bytes are only
    // accessed as a WaitCell in every process.
    let cell = unsafe { WaitCell::from_ptr(map.ptr()) };
    let waiter = Peer::spawn_ready(SYNC_PEER, &["wait", &name, "1", "60000"]);
    if shmipc::PORTABLE {
        // No futex on the portable path: sleepers poll, and `wake_all` has nobody to count.
        std::thread::sleep(Duration::from_millis(50));
        cell.store(1);
        assert_eq!(cell.wake_all(), 0);
        assert_eq!(waiter.finish().trim(), "woke 1");
        return;
    }
    // A sleeper re-checks the value by itself every 50 ms, so its exit alone proves nothing
    // about wake-ups. It sleeps on while the value is 0: rewrite 0 and wake until the kernel
    // reports a sleeper woken, which it does only if the futex is shared across processes.
    let mut woken = 0;
    for _ in 0..2_000 {
        std::thread::sleep(Duration::from_millis(5));
        cell.value().store(0, std::sync::atomic::Ordering::SeqCst);
        woken = cell.wake_all();
        if woken > 0 {
            break;
        }
    }
    assert_eq!(woken, 1, "no sleeper in the other process was ever woken");
    cell.store(1);
    assert_eq!(waiter.finish().trim(), "woke 1");
}

#[test]
fn a_wait_times_out() {
    let (name, _cleanup) = guarded_name("wt");
    let _map = cell_map(&name);
    let waiter = Peer::spawn_ready(SYNC_PEER, &["wait", &name, "1", "30"]);
    assert_eq!(waiter.finish().trim(), "timeout");
}

fn strace_total(args: &[&str]) -> Option<u64> {
    let out_file =
        std::env::temp_dir().join(format!("shmipc-strace-{}-{}", std::process::id(), args[2]));
    let status = Command::new("strace")
        .arg("-f")
        .arg("-c")
        .arg("-o")
        .arg(&out_file)
        .arg(SYNC_PEER)
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(&out_file).ok()?;
    let _ = std::fs::remove_file(&out_file);
    assert!(status.success(), "traced peer failed:\n{text}");
    // The summary's last line: "100.00  <seconds> <usecs/call> <calls> [errors] total".
    let total = text
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with("total"))?;
    let fields: Vec<&str> = total.split_whitespace().collect();
    fields.get(3)?.parse().ok()
}

#[test]
fn fast_paths_make_no_system_calls() {
    assert!(
        Command::new("strace").arg("-V").output().is_ok(),
        "strace is not installed, so the fast-path system calls cannot be counted: install it \
         (`apt-get install strace`; `.ci/run` does)"
    );
    let name = unique_name("fp");
    let _cleanup = ShmCleanup::new([name.clone(), format!("{name}s"), format!("{name}c")]);
    let _m = SharedMutex::<Ping>::create(&name).unwrap();
    let _s = SeqLock::<Ping>::create(&format!("{name}s")).unwrap();
    let _map = cell_map(&format!("{name}c"));
    let base = strace_total(&["fast-path", &name, "0"])
        .expect("strace could not trace the peer here (is ptrace permitted?)");
    let busy = strace_total(&["fast-path", &name, "100000"]).expect("second strace run");
    println!("system calls: {base} for 0 iterations, {busy} for 100,000");
    // 100,000 × (lock + unlock + wake-nobody + seqlock write + read + satisfied wait): the count
    // must not grow with the iterations (a little slack for allocator or loader noise).
    assert!(
        busy <= base + 20,
        "fast paths made system calls: {base} → {busy}"
    );
}
