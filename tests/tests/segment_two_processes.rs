//! Two real processes share a segment: one creates and writes, the other opens and reads.

use shmipc::{Error, Segment};
use shmipc_schemas::{Position, Tick};
use shmipc_tests::{Peer, create_persisted, guarded_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

#[test]
fn child_creates_and_writes_parent_opens_and_reads() {
    let (name, _cleanup) = guarded_name("2p");
    let mut creator = Peer::spawn(SEGMENT_PEER, &["create", "tick", &name, "41"]);
    assert_eq!(creator.line(), "ready");

    let segment = Segment::<Tick>::open(&name).expect("open the child's segment");
    assert!(!segment.is_creator());
    assert_eq!(segment.creator().pid, creator.pid());
    let tick = segment.read();
    assert_eq!(tick.seq.get(), 41);
    assert_eq!(tick.price_e6.get(), -12_500_000);
    assert_eq!(tick.qty.get(), 300);
    assert_eq!(&tick.venue, b"XNAS");

    // The parent writes, a second child reads it back.
    segment.write(&Tick {
        seq: 42.into(),
        ..tick
    });
    let line = Peer::run(SEGMENT_PEER, &["open", "tick", &name]);
    assert!(line.starts_with("ok Tick { seq: 42"), "{line}");

    // The creator unlinks on exit; the mapping stays valid here.
    creator.finish();
    assert!(matches!(
        Segment::<Tick>::open(&name),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(segment.read().seq.get(), 42);
}

#[test]
fn parent_creates_child_reads_and_other_type_is_refused() {
    let (name, _cleanup) = guarded_name("2q");
    let segment = Segment::<Tick>::create(&name).expect("create");
    assert_eq!(segment.read(), Tick::default(), "starts zeroed");
    segment.write(&Tick {
        seq: 7.into(),
        qty: 9.into(),
        ..Tick::default()
    });
    let line = Peer::run(SEGMENT_PEER, &["open", "tick", &name]);
    assert!(line.starts_with("ok Tick { seq: 7"), "{line}");
    assert!(line.contains("qty: 9"), "{line}");

    let err = Segment::<Position>::open(&name).unwrap_err();
    assert!(matches!(err, Error::TypeName { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "segment `{name}` holds `Tick`, but this build expects `Position`: open it with the \
             right type, or pick another name"
        )
    );
    drop(segment);
    assert!(matches!(
        Segment::<Tick>::open(&name),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn persisted_segment_outlives_its_creator_and_unlink_removes_it() {
    let (name, _cleanup) = guarded_name("2r");
    let segment: Segment<Tick> = create_persisted(&name);
    segment.write(&Tick {
        seq: 5.into(),
        ..Tick::default()
    });
    drop(segment);
    let line = Peer::run(SEGMENT_PEER, &["open", "tick", &name]);
    assert!(line.starts_with("ok Tick { seq: 5"), "{line}");
    Segment::<Tick>::unlink(&name).expect("unlink");
    assert!(matches!(
        Segment::<Tick>::open(&name),
        Err(Error::NotFound { .. })
    ));
}
