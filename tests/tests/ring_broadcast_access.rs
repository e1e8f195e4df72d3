//! Subscribers that can only read: a read-only open maps the ring `PROT_READ` (a store would
//! fault), refuses to publish, and still receives everything and sleeps through the doorbell.
//! The `root_…` tests run the subscriber as `nobody`, with read permission only (mode 0644, or
//! 0640 and the ring's group): they fail when not run as root (leave them out with
//! `--skip root_`).

mod ring_support;

use std::process::Command;
use std::time::Duration;

use ring_support::Peer;
use ring_support::broadcast::{BCAST_PEER, Outcome, bcast_name, outcome, start, start_with};
use shmipc::BroadcastRing;
use shmipc_schemas::Quote;
use shmipc_tests::require_root;
use shmipc_tests::ring_msgs::quote;

use shmipc_tests::NOBODY;

/// Publishes `n` messages into `ring` (slowly enough that the subscriber parks between them),
/// then drops the publisher.
fn publish_to(ring: &BroadcastRing<Quote>, n: u64) {
    let mut p = ring.producer().unwrap();
    for seq in 0..n {
        if seq % 10 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
        p.push(quote(seq));
    }
}

#[test]
fn a_read_only_subscriber_receives_and_cannot_publish() {
    let (name, _cleanup) = bcast_name("ba");
    let ring = BroadcastRing::<Quote>::create(&name, 64).unwrap();
    // The peer fails (exit 3) if its read-only ring lets it publish.
    let (sub, maps) = start(&["subscribe", &name, "ro=1", "start=oldest"]);
    assert!(maps.starts_with("maps r--s doorbell true"), "{maps}");
    publish_to(&ring, 200);
    assert_eq!(outcome(sub), Outcome::complete(0, 200));
}

/// Makes a command run as `nobody`, in group `gid`.
fn nobody(gid: u32) -> impl FnOnce(&mut Command) {
    move |cmd| shmipc_tests::run_as(cmd, NOBODY, gid)
}

/// Another user with read permission only: receives everything, through a read-only mapping,
/// and cannot open the ring for writing.
fn another_user_reads(mode: u32, gid: u32) {
    require_root("runs a subscriber as another uid (nobody)");
    let (name, _cleanup) = bcast_name("bu");
    let ring = BroadcastRing::<Quote>::builder(&name)
        .capacity(64)
        .mode(mode)
        .create()
        .unwrap();
    let mode_arg = format!("mode={mode:o}");
    let mode_oct = format!("{mode:o}");
    let mut rw = Peer::spawn_with(BCAST_PEER, &["open-rw", &name, "0", &mode_oct], nobody(gid));
    let refused = rw.line(Duration::from_secs(30)).unwrap_or_default();
    assert!(refused.starts_with("refused"), "{refused}");
    let args = [
        "subscribe",
        &name,
        "ro=1",
        "owner=0",
        &mode_arg,
        "start=oldest",
    ];
    let (sub, maps) = start_with(&args, nobody(gid));
    // The doorbell (mode 0666 or 0660) lets it announce that it sleeps.
    assert!(maps.starts_with("maps r--s doorbell true"), "{maps}");
    publish_to(&ring, 200);
    assert_eq!(outcome(sub), Outcome::complete(0, 200));
}

#[test]
fn root_another_user_subscribes_to_a_0644_ring() {
    another_user_reads(0o644, NOBODY);
}

#[test]
fn root_a_group_member_subscribes_to_a_0640_ring() {
    // The ring is created by root, group root (0): the subscriber shares that group.
    another_user_reads(0o640, 0);
}
