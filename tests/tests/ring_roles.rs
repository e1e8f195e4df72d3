//! Roles: one live producer and one live consumer per ring. A second claim, from another process
//! or from this one, is refused with an error that names the holder's pid; when the holder
//! process dies (SIGKILL, no chance to release) the next claim takes the role over.

mod ring_support;

use ring_support::{Peer, field};
use shmipc::{Error, SpscRing};
use shmipc_schemas::Quote;
use shmipc_tests::{ShmCleanup, unique_name};

fn role_is_exclusive_and_reclaimed_after_death(role: &str) {
    let name = unique_name("rr");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, 16).expect("create");
    let alive = |r: &SpscRing<Quote>| match role {
        "producer" => r.producer_alive(),
        _ => r.consumer_alive(),
    };
    let claim_here = |r: &SpscRing<Quote>| -> Result<(), Error> {
        match role {
            "producer" => r.producer().map(drop),
            _ => r.consumer().map(drop),
        }
    };
    assert!(!alive(&ring));
    let mut holder = Peer::start(&["hold", &name, role]);
    let pid = holder.pid();
    let names_holder = format!("held by process {pid}");
    assert!(
        alive(&ring),
        "{role}_alive() is false while a process holds it"
    );

    // Refused here, naming the holder.
    match claim_here(&ring) {
        Err(Error::RoleTaken {
            pid: p, role: r, ..
        }) => assert_eq!((p, r), (pid, role)),
        other => panic!("a second live claim in this process gave {other:?}"),
    }
    let err = claim_here(&ring).unwrap_err().to_string();
    assert!(
        err.contains(&names_holder),
        "the error does not name the holder: {err}"
    );
    println!("{err}");
    // Refused in a third process too.
    let other = Peer::spawn(&["claim", &name, role]).finish();
    let refused = field(&other, "refused")
        .unwrap_or_else(|| panic!("a third process claimed a held {role}: {other:?}"));
    assert!(
        refused.contains(&names_holder),
        "the error does not name the holder: {refused}"
    );

    // The holder dies without releasing: the role is free for the next claimant.
    holder.kill();
    assert!(
        !alive(&ring),
        "{role}_alive() is true after its holder died"
    );
    let next = Peer::spawn(&["claim", &name, role]).finish();
    assert_eq!(
        next,
        ["claimed"],
        "the role of a dead holder was not taken over"
    );
    // That claimant exited normally (released); this process can claim it as well.
    claim_here(&ring).expect("claim after the holders are gone");
}

#[test]
fn producer_role() {
    role_is_exclusive_and_reclaimed_after_death("producer");
}

#[test]
fn consumer_role() {
    role_is_exclusive_and_reclaimed_after_death("consumer");
}

/// A role handle dropped normally is released at once, and the same process can claim again.
#[test]
fn dropped_handles_release_their_roles() {
    let name = unique_name("rrd");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, 16).expect("create");
    for _ in 0..3 {
        let p = ring.producer().expect("producer");
        let c = ring.consumer().expect("consumer");
        assert!(ring.producer_alive() && ring.consumer_alive());
        assert!(ring.producer().is_err() && ring.consumer().is_err());
        drop((p, c));
        assert!(!ring.producer_alive() && !ring.consumer_alive());
    }
}
