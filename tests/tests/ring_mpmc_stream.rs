//! MPMC ring between real processes: 4 producer × 4 consumer processes deliver every message
//! exactly once, each producer's in order at every consumer, and `pop` reports `Disconnected`
//! only after the last committed message; a stopped (SIGSTOP) claimant is waited for, never
//! taken for dead.

mod ring_support;

use std::time::Duration;

use ring_support::Peer;
use ring_support::mpmc::{check_delivery, end_line, expect_line, received, seq};
use shmipc::{MpmcRing, PopError};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::check;
use shmipc_tests::{ShmCleanup, unique_name};

/// `producers` × `consumers` processes, `n` messages per producer, through a ring of
/// `capacity`: all delivered exactly once, in per-producer order, then `Disconnected`.
fn many_to_many(producers: u64, consumers: usize, n: u64, capacity: usize) {
    let name = unique_name("rms");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = MpmcRing::<Quote>::create(&name, capacity).expect("create");
    // Held while the peers start: a producer that finished before the last one attached would
    // otherwise let the consumers (rightly) report `Disconnected` early.
    let hold = ring.producer().unwrap();
    let cs: Vec<Peer> = (0..consumers)
        .map(|_| Peer::start(&["mpmc-consume", &name]))
        .collect();
    let ps: Vec<Peer> = (0..producers)
        .map(|id| Peer::start(&["mpmc-produce", &name, &id.to_string(), &n.to_string()]))
        .collect();
    drop(hold);
    for p in ps {
        p.finish();
    }
    let outs: Vec<Vec<String>> = cs.into_iter().map(Peer::finish).collect();
    for out in &outs {
        assert_eq!(
            end_line(out),
            Some("end disconnected skipped 0"),
            "{:?}",
            out.last()
        );
    }
    let got: Vec<Vec<u64>> = outs.iter().map(|o| received(o)).collect();
    let all = check_delivery(&got);
    for id in 0..producers {
        let want: Vec<u64> = (0..n).collect();
        assert!(
            all.get(&id) == Some(&want),
            "producer {id}: not every message delivered"
        );
    }
    assert_eq!(ring.recovery(), Default::default());
    assert_eq!(ring.claimed(), 0);
}

#[test]
fn four_producers_four_consumers_exactly_once_in_order() {
    many_to_many(4, 4, 5_000, 64);
    many_to_many(4, 4, 2_000, 4);
}

/// The same with 200 000 messages per producer (`--ignored`).
#[test]
#[ignore = "long: 800 000 messages"]
fn four_producers_four_consumers_long() {
    many_to_many(4, 4, 200_000, 256);
}

/// A producer process stopped (SIGSTOP) between claim and publish is alive: the consumer waits
/// (times out) and recovers nothing; once continued, its message arrives.
#[test]
fn a_stopped_claimant_is_not_taken_for_dead() {
    let name = unique_name("rmt");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = MpmcRing::<Quote>::create(&name, 8).expect("create");
    let mut c = ring.consumer().unwrap();
    let mut p = Peer::start(&["mpmc-produce", &name, "1", "5", "hang_at=2", "hang_ms=1500"]);
    expect_line(&mut p, "claimed");
    // SAFETY: `kill` with a pid we spawned and a valid signal.
    assert_eq!(unsafe { libc::kill(p.pid() as i32, libc::SIGSTOP) }, 0);
    for n in 0..2 {
        assert_eq!(check(&c.pop().unwrap()), Ok(seq(1, n)));
    }
    // Stopped, not dead: waited for well past the recovery bound, never skipped.
    assert_eq!(
        c.pop_timeout(Duration::from_millis(300)),
        Err(PopError::Timeout)
    );
    assert_eq!(ring.recovery(), Default::default());
    assert_eq!(ring.claimed(), 1);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(p.pid() as i32, libc::SIGCONT) }, 0);
    for n in 2..5 {
        assert_eq!(check(&c.pop().unwrap()), Ok(seq(1, n)));
    }
    p.finish();
    assert_eq!(c.pop(), Err(PopError::Disconnected));
    assert_eq!(ring.recovery(), Default::default());
}
