//! The broadcast ring across processes: one publisher process, three subscriber processes (one
//! deliberately slow). Every subscriber checks every message's checksum and that it carries
//! exactly the sequence number of the subscriber's position, so order and lag counts are checked
//! message by message in the peers; here the totals are checked. Late joiners start where the
//! option says.

mod ring_support;

use ring_support::broadcast::{Outcome, bcast_name, outcome, start};
use shmipc::{BroadcastRing, StartAt};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::quote;

/// Slots: far more than a fast subscriber falls behind, far fewer than the stream.
const CAPACITY: usize = 16384;

fn three_subscribers(mode: &str, n: u64) {
    let (name, _cleanup) = bcast_name("bc");
    let _ring = BroadcastRing::<Quote>::create(&name, CAPACITY).unwrap();
    let (fast1, _) = start(&["subscribe", &name, "start=oldest"]);
    let (fast2, _) = start(&["subscribe", &name, "start=oldest"]);
    // Reads one message per 200 µs: a few thousand of the stream.
    let (slow, _) = start(&["subscribe", &name, "start=oldest", "slow_us=200"]);
    let n_arg = n.to_string();
    // Paced (50 µs after every 16 messages) so that the fast subscribers, sharing two cores with
    // it, stay within the capacity; the slow one cannot.
    let (publisher, _) = start(&["publish", &name, &n_arg, mode, "pace=16"]);
    let lines = publisher.finish();
    assert_eq!(lines, [format!("published {n}")]);
    let whole = Outcome::complete(0, n);
    assert_eq!(outcome(fast1), whole);
    assert_eq!(outcome(fast2), whole);
    let s = outcome(slow);
    // The publisher did not wait for it: it lost messages, and was told exactly how many.
    assert!(s.missed > 0 && s.lags > 0, "{s:?}");
    assert_eq!(s.delivered + s.missed, n, "{s:?}");
    assert_eq!(s.position, n);
    assert!(s.disconnected);
}

#[test]
fn three_subscribers_one_slow_push() {
    three_subscribers("push", 100_000);
}

#[test]
fn three_subscribers_one_slow_batches() {
    three_subscribers("slice", 100_000);
}

#[test]
fn three_subscribers_one_slow_in_place() {
    three_subscribers("reserve", 50_000);
}

/// Late joiners: the default starts with the newest message, `oldest` replays what the ring
/// still holds, `next` waits for the next one.
#[test]
fn late_joiners_start_where_asked() {
    let (name, _cleanup) = bcast_name("bj");
    let ring = BroadcastRing::<Quote>::create(&name, 64).unwrap();
    let mut p = ring.producer().unwrap();
    for seq in 0..100 {
        p.push(quote(seq));
    }
    let (oldest, at) = start(&["subscribe", &name, "start=oldest"]);
    assert_eq!(at, "36");
    let (newest, at) = start(&["subscribe", &name]);
    assert_eq!(at, "99");
    let (next, at) = start(&["subscribe", &name, "start=next"]);
    assert_eq!(at, "100");
    // An in-process late joiner agrees.
    assert_eq!(ring.subscriber_at(StartAt::Oldest).position(), 36);
    for seq in 100..110 {
        p.push(quote(seq));
    }
    drop(p);
    assert_eq!(outcome(oldest), Outcome::complete(36, 110));
    assert_eq!(outcome(newest), Outcome::complete(99, 110));
    assert_eq!(outcome(next), Outcome::complete(100, 110));
}
