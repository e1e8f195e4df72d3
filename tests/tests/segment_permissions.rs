//! Permissions: a segment created with mode 0600 cannot be opened by another uid, and a segment
//! owned by another uid is refused unless that owner is allowed. Needs root (to run the peer as
//! `nobody`), so the tests are named `root_…`: run as another user they fail with a note (leave them
//! out with `--skip root_`) rather than pass without testing anything.

use shmipc::{Error, Segment, SeqLock};
use shmipc_schemas::Tick;
use shmipc_tests::{NOBODY, Peer, ShmCleanup, guarded_name, require_root};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

/// A guarded name for a test that needs root; fails the test when not root.
fn name_as_root(tag: &str) -> (String, ShmCleanup) {
    require_root("runs a peer as another uid (nobody)");
    guarded_name(tag)
}

/// Spawns the peer as `nobody`.
fn spawn_as_nobody(args: &[&str]) -> Peer {
    Peer::spawn_with(SEGMENT_PEER, args, |cmd| {
        shmipc_tests::run_as(cmd, NOBODY, NOBODY)
    })
}

#[test]
fn root_another_uid_cannot_open_a_0600_segment() {
    let (name, _cleanup) = name_as_root("pd");
    let _segment = Segment::<Tick>::create(&name).expect("create 0600");
    let mut peer = spawn_as_nobody(&["open", "tick", &name]);
    let line = peer.line();
    assert!(line.starts_with("err PermissionDenied:"), "{line}");
}

#[test]
fn root_a_segment_of_another_owner_is_refused_unless_allowed() {
    let (name, _cleanup) = name_as_root("po");
    let mut peer = spawn_as_nobody(&["hold", "tick", &name, "8"]);
    assert!(peer.line().starts_with("ready"));
    let err = Segment::<Tick>::open(&name).unwrap_err();
    assert!(
        matches!(err, Error::WrongOwner { owner: NOBODY, .. }),
        "{err}"
    );
    let segment = Segment::<Tick>::builder(&name)
        .allow_owner(NOBODY)
        .open()
        .expect("open with the owner allowed");
    assert_eq!(segment.read().seq.get(), 8);
    peer.kill();
}

/// A reader running as another user with only read permission (mode 0644) reads the value
/// through a `SegmentReader`; a writable open is refused by the system, and asking a `Segment`
/// (which could write) for a read-only open is refused by shmipc.
#[test]
fn root_a_reader_of_another_uid_reads_a_0644_segment_and_cannot_open_it_writable() {
    let (name, _cleanup) = name_as_root("ro");
    let segment = shmipc_tests::create_with_mode::<Segment<Tick>>(&name, 0o644);
    segment.write(&Tick {
        seq: 31.into(),
        ..Tick::default()
    });
    let mut peer = spawn_as_nobody(&["reader", "tick", &name]);
    let line = peer.line();
    assert!(line.starts_with("ok Tick { seq: 31,"), "{line}");
    let line = peer.line();
    assert!(line.starts_with("writable err PermissionDenied:"), "{line}");
    let line = peer.line();
    assert!(
        line.starts_with("read_only-segment err InvalidOptions:") && line.contains("SegmentReader"),
        "{line}"
    );
    peer.finish();
}

/// A seqlock reader running as another user, read-only, waits for and gets the next value.
#[test]
fn root_a_read_only_seqlock_reader_of_another_uid_waits_for_the_next_value() {
    let (name, _cleanup) = name_as_root("rs");
    let mut lock = shmipc_tests::create_with_mode::<SeqLock<Tick>>(&name, 0o644);
    lock.write(&Tick::default()).unwrap();
    let mut peer = spawn_as_nobody(&["seq-wait", "tick", &name, "ro"]);
    assert_eq!(peer.line(), "v1");
    lock.write(&Tick {
        seq: 5.into(),
        ..Tick::default()
    })
    .unwrap();
    let line = peer.line();
    assert!(line.starts_with("newer v2 Tick { seq: 5,"), "{line}");
    peer.finish();
}
