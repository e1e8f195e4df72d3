//! No system call on the fast path: every push and pop form, while the other side is not parked,
//! runs without entering the kernel. `ring_peer fast-path` holds both roles and alternates
//! pushes and pops between two marker calls (`close(-1)`); `strace -f` must show nothing in
//! between. A control run with one `getppid` per round proves the count sees system calls.
//!
//! strace is required: without it (or without ptrace permission) the test fails, saying so.

mod ring_support;

use shmipc_tests::strace;
use shmipc_tests::{ShmCleanup, unique_name};

/// Runs `ring_peer SUB NAME rounds [syscall]` (`SUB`: `fast-path` for the SPSC ring,
/// `mpmc-fast-path` for the MPMC ring) under `strace -f` and returns the system calls between
/// the two markers, or why it could not.
fn calls_between_markers(
    sub: &str,
    rounds: u64,
    with_syscall: bool,
) -> Result<Vec<String>, String> {
    let name = unique_name("rf");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let rounds = rounds.to_string();
    let mut args = vec![sub, &name, &rounds];
    if with_syscall {
        args.push("syscall");
    }
    strace::calls_between_markers(env!("CARGO_BIN_EXE_ring_peer"), &args)
}

#[test]
fn pushes_and_pops_make_no_system_calls_when_the_other_side_is_not_parked() {
    no_system_calls("fast-path");
}

#[test]
fn mpmc_pushes_and_pops_make_no_system_calls_when_nobody_is_parked() {
    no_system_calls("mpmc-fast-path");
}

fn no_system_calls(sub: &str) {
    // The control run: the technique sees one system call per round.
    let control = calls_between_markers(sub, 1000, true).unwrap_or_else(|e| panic!("{e}"));
    let getppid = control.iter().filter(|l| l.contains("getppid(")).count();
    assert_eq!(getppid, 1000, "strace missed system calls: {control:?}");
    // The real run: nothing at all between the markers.
    let calls = calls_between_markers(sub, 100_000, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        calls.is_empty(),
        "100,000 rounds of pushes and pops made {} system calls, e.g. {:?}",
        calls.len(),
        &calls[..calls.len().min(20)]
    );
}
