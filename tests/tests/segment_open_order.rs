//! Processes start in any order: an opener that waits for a segment not created yet, and
//! symmetric peers that race `open_or_create` (exactly one creates, the other opens).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shmipc::{Error, Origin, Segment};
use shmipc_schemas::Tick;
use shmipc_tests::{Peer, guarded_name};

const SEGMENT_PEER: &str = env!("CARGO_BIN_EXE_segment_peer");

#[test]
fn an_opener_started_before_the_creator_waits_for_it() {
    let (name, _cleanup) = guarded_name("wo");
    let mut opener = Peer::spawn(SEGMENT_PEER, &["wait-open", "tick", &name]);
    assert_eq!(opener.line(), "waiting");
    // The opener is in (or about to enter) its open; the name does not exist yet.
    assert!(matches!(
        Segment::<Tick>::open(&name),
        Err(Error::NotFound { .. })
    ));
    std::thread::sleep(Duration::from_millis(50)); // not needed for correctness: lets it wait
    let segment = Segment::<Tick>::create(&name).unwrap();
    assert_eq!(opener.line(), format!("ok {}", std::process::id()));
    opener.finish();
    drop(segment);
}

#[test]
fn waiting_for_a_creator_that_never_comes_times_out_with_a_sentence() {
    let (name, _cleanup) = guarded_name("wt");
    let e = Segment::<Tick>::builder(&name)
        .wait_for_creation(true)
        .open_timeout(Duration::from_millis(20))
        .open()
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                state: "not created",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("start the process that creates it"),
        "{e}"
    );
    // Without the option a missing name fails at once, and says how to wait.
    let e = Segment::<Tick>::open(&name).unwrap_err();
    assert!(e.to_string().contains("wait_for_creation(true)"), "{e}");
}

#[test]
fn open_or_create_creates_then_opens_in_one_process() {
    let (name, _cleanup) = guarded_name("oc");
    let (first, origin) = Segment::<Tick>::builder(&name).open_or_create().unwrap();
    assert_eq!(origin, Origin::Created);
    assert!(first.is_creator());
    let (second, origin) = Segment::<Tick>::builder(&name).open_or_create().unwrap();
    assert_eq!(origin, Origin::Opened);
    assert!(!second.is_creator());
}

/// Two processes call `open_or_create` at the same instant, many times: every time one creates
/// and the other opens, and neither fails.
#[test]
fn two_processes_racing_open_or_create_end_with_one_creator_and_one_opener() {
    for round in 0..40 {
        let (name, _cleanup) = guarded_name("rc");
        let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_millis(60);
        let at = at.as_nanos().to_string();
        let mut a = Peer::spawn(SEGMENT_PEER, &["race", "tick", &name, &at]);
        let mut b = Peer::spawn(SEGMENT_PEER, &["race", "tick", &name, &at]);
        let mut origins = [a.line(), b.line()];
        origins.sort();
        assert_eq!(origins, ["Created", "Opened"], "round {round}");
        a.finish();
        b.finish();
    }
}
