//! A creator killed with SIGKILL while initializing and after initializing: openers get the
//! right error, `create` says the creator is dead, and `create` with `replace_dead` succeeds.

use std::time::Duration;

use shmipc::segment::header::{STATE_INITIALIZING, STATE_OFFSET};
use shmipc::{Error, Segment};
use shmipc_schemas::Tick;
use shmipc_tests::{Peer, guarded_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

/// Waits (bounded) until the segment's state word says initializing.
fn wait_until_initializing(name: &str) {
    let path = format!("/dev/shm{name}");
    for _ in 0..10_000 {
        if let Ok(bytes) = std::fs::read(&path)
            && bytes.len() > STATE_OFFSET + 4
            && bytes[STATE_OFFSET] == STATE_INITIALIZING as u8
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("{name} never reached the initializing state");
}

#[test]
fn creator_killed_while_initializing() {
    let (name, _cleanup) = guarded_name("kin");
    let mut creator = Peer::spawn(SEGMENT_PEER, &["paused", "tick", &name]);
    wait_until_initializing(&name);

    // While the creator lives, an opener waits and then times out.
    let err = Segment::<Tick>::builder(&name)
        .open_timeout(Duration::from_millis(20))
        .open()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                state: "initializing",
                ..
            }
        ),
        "{err}"
    );

    // An opener waiting when the creator dies learns that it died.
    let waiting = {
        let name = name.clone();
        std::thread::spawn(move || {
            Segment::<Tick>::builder(&name)
                .open_timeout(Duration::from_secs(60))
                .open()
                .map(|_| ())
        })
    };
    let pid = creator.pid();
    creator.kill();
    let err = waiting.join().expect("opener thread").unwrap_err();
    assert!(
        matches!(err, Error::CreatorDied { pid: p, .. } if p == pid),
        "{err}"
    );
    assert!(err.to_string().contains("died while initializing"), "{err}");

    // A later opener too, from another process.
    let line = Peer::run(SEGMENT_PEER, &["open", "tick", &name]);
    assert!(line.starts_with("err CreatorDied:"), "{line}");

    // Plain create refuses and says why; replace_dead recreates.
    let (err, segment) = refused_then_replaced(&name);
    assert!(err.to_string().contains("replace_dead(true)"), "{err}");
    segment.write(&Tick {
        seq: 11.into(),
        ..Tick::default()
    });
    let line = Peer::run(SEGMENT_PEER, &["open", "tick", &name]);
    assert!(line.starts_with("ok Tick { seq: 11"), "{line}");
}

#[test]
fn creator_killed_after_initializing() {
    let (name, _cleanup) = guarded_name("kaf");
    let mut creator = Peer::spawn(SEGMENT_PEER, &["hold", "tick", &name, "5"]);
    assert!(creator.line().starts_with("ready"));
    let pid = creator.pid();
    creator.kill();

    // The segment is complete: it opens, its data is intact, and its creator is known dead.
    let segment = Segment::<Tick>::open(&name).expect("open a finished segment");
    assert_eq!(segment.read().seq.get(), 5);
    assert_eq!(segment.creator().pid, pid);
    assert!(!segment.creator_alive());
    drop(segment);

    // A live creator's segment is never replaced; a dead one's is, on request.
    let (_, replaced) = refused_then_replaced(&name);
    assert_eq!(replaced.read(), Tick::default(), "a fresh, zeroed segment");
    let err = Segment::<Tick>::builder(&name)
        .replace_dead(true)
        .create()
        .unwrap_err();
    assert_already_exists(&err, true);
}

#[test]
fn creator_killed_before_writing_its_identity() {
    // What a creator leaves when killed between sizing the file and writing the header: zeroes.
    let (name, _cleanup) = guarded_name("kze");
    let path = format!("/dev/shm{name}");
    {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .expect("create");
        file.set_len(4096).expect("size");
        let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        file.set_modified(an_hour_ago).expect("age the file");
    }
    let err = Segment::<Tick>::builder(&name)
        .open_timeout(Duration::from_millis(10))
        .open()
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { state: "empty", .. }),
        "{err}"
    );
    let (_, segment) = refused_then_replaced(&name);
    assert_eq!(segment.read(), Tick::default());
}

/// Plain `create` of `name` is refused (`AlreadyExists`, creator dead), and `create` with
/// `replace_dead` then succeeds: returns the refusal and the new segment.
fn refused_then_replaced(name: &str) -> (Error, Segment<Tick>) {
    let err = Segment::<Tick>::create(name).unwrap_err();
    assert_already_exists(&err, false);
    let segment = Segment::<Tick>::builder(name)
        .replace_dead(true)
        .create()
        .expect("replace the dead creator's segment");
    (err, segment)
}

/// `err` is `AlreadyExists`, saying whether the existing segment's creator is `alive`.
fn assert_already_exists(err: &Error, alive: bool) {
    assert!(
        matches!(err, Error::AlreadyExists { creator_alive: Some(a), .. } if *a == alive),
        "{err}"
    );
}
