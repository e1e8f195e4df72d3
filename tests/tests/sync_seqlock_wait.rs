//! Waiting for a newer seqlock value across processes: a reader in another process sleeps in
//! `wait_newer` (on the futex with a writable mapping, polling with a read-only one) and wakes
//! with the writer's next value; the writer makes no system call while nobody waits.

use std::time::Duration;

use shmipc::SeqLock;
use shmipc_schemas::Tick;
use shmipc_tests::{Peer, ShmCleanup, guarded_name, strace, unique_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

fn tick(seq: u64) -> Tick {
    Tick {
        seq: seq.into(),
        ..Tick::default()
    }
}

/// The writer publishes value 1, a reader process reads it and waits for a newer one; the
/// writer publishes 2 (after a pause that lets the reader fall asleep; the test does not
/// depend on it), and the reader reports exactly that value and version.
fn reader_process_wakes_with_the_next_value(mode: &str) {
    let (name, _cleanup) = guarded_name("sw");
    let mut lock = shmipc_tests::create_with_mode::<SeqLock<Tick>>(&name, 0o644);
    lock.write(&tick(1)).unwrap();
    let mut reader = Peer::spawn(SEGMENT_PEER, &["seq-wait", "tick", &name, mode]);
    assert_eq!(reader.line(), "v1");
    std::thread::sleep(Duration::from_millis(100));
    lock.write(&tick(2)).unwrap();
    let line = reader.line();
    assert!(line.starts_with("newer v2 Tick { seq: 2,"), "{line}");
    reader.finish();
}

#[test]
fn a_reader_with_a_writable_mapping_parks_and_wakes_with_the_next_value() {
    reader_process_wakes_with_the_next_value("rw");
}

#[test]
fn a_read_only_reader_polls_and_wakes_with_the_next_value() {
    reader_process_wakes_with_the_next_value("ro");
}

#[test]
fn waiting_for_a_value_nobody_writes_times_out_and_a_newer_one_returns_at_once() {
    let (name, _cleanup) = guarded_name("st");
    let mut lock = SeqLock::<Tick>::create(&name).unwrap();
    let e = lock
        .wait_newer(0, Some(Duration::from_millis(20)))
        .unwrap_err();
    assert!(format!("{e:?}").starts_with("NoNewerValue: "), "{e:?}");
    lock.write(&tick(7)).unwrap();
    let (value, version) = lock.wait_newer(0, Some(Duration::ZERO)).unwrap();
    assert_eq!((value.seq.get(), version), (7, 1));
}

/// 100,000 writes with nobody waiting make no system call at all; the control run (one getppid
/// per write) proves the trace sees them.
#[test]
fn writes_make_no_system_call_while_nobody_waits() {
    let calls = |n: &str, syscall: bool| {
        let name = unique_name("sq");
        let _cleanup = ShmCleanup::new([name.clone()]);
        let mut args = vec!["seq-write", "tick", &name, n];
        if syscall {
            args.push("syscall");
        }
        strace::calls_between_markers(SEGMENT_PEER, &args).unwrap_or_else(|e| panic!("{e}"))
    };
    let control = calls("1000", true);
    let getppid = control.iter().filter(|l| l.contains("getppid(")).count();
    assert_eq!(getppid, 1000, "strace missed system calls: {control:?}");
    let real = calls("100000", false);
    assert!(
        real.is_empty(),
        "100,000 writes made {} system calls, e.g. {:?}",
        real.len(),
        &real[..real.len().min(20)]
    );
}
