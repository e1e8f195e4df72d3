//! The broadcast publisher killed with SIGKILL mid-stream, at least 50 trials (seeded: the seed
//! is printed, replay with `SHMIPC_TEST_SEED=…`; more trials with `RING_TRIALS=…`): every
//! subscriber (one in another process, one in this one) delivers everything the dead publisher
//! committed, in order, then reports it gone; a new publisher takes the role over and continues
//! after the last committed message, and the subscribers go on with it.

mod ring_support;

use std::time::Duration;

use ring_support::broadcast::{Outcome, bcast_name, outcome, start};
use ring_support::{Rng, trials};
use shmipc::{BroadcastRing, RecvError, StartAt, Subscriber};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::{check, quote};

/// More slots than a trial publishes: no subscriber can lag, so "everything" is exact.
const CAPACITY: usize = 1 << 16;
const N: u64 = 60_000;

/// Pops until `Disconnected`, checking each message; returns how many arrived.
fn drain(s: &mut Subscriber<Quote>) -> u64 {
    let mut n = 0;
    loop {
        let at = s.position();
        match s.pop_timeout(Duration::from_secs(30)) {
            Ok(q) => {
                assert_eq!(check(&q), Ok(at), "message at position {at}");
                n += 1;
            }
            Err(RecvError::Disconnected) => return n,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_killed_publisher_leaves_everything_it_committed_and_its_role() {
    let mut rng = Rng::from_env_or_time();
    let n = trials(50);
    let mut mid_stream = 0;
    for _ in 0..n {
        let (name, _cleanup) = bcast_name("bk");
        let ring = BroadcastRing::<Quote>::create(&name, CAPACITY).unwrap();
        let mut here = ring.subscriber_at(StartAt::Oldest);
        let (there, _) = start(&["subscribe", &name, "start=oldest"]);
        let n_arg = N.to_string();
        let mode = ["push", "slice", "reserve"][rng.below(3) as usize];
        let (mut publisher, _) = start(&["publish", &name, &n_arg, mode, "pace=64"]);
        std::thread::sleep(Duration::from_micros(rng.below(30_000)));
        publisher.kill();
        let delivered = drain(&mut here);
        if delivered < N {
            mid_stream += 1;
        }
        // Both subscribers report the death before a successor attaches (after that they
        // would simply wait for its messages).
        assert_eq!(outcome(there), Outcome::complete(0, delivered));
        // The successor continues after every committed message: exactly what was delivered.
        let mut next = ring
            .producer()
            .expect("take the dead publisher's role over");
        assert_eq!(next.published(), delivered);
        next.push(quote(delivered));
        assert_eq!(here.pop().map(|q| check(&q)), Ok(Ok(delivered)));
    }
    println!("{n} trials, {mid_stream} killed mid-stream");
    assert!(
        mid_stream > 0,
        "no trial killed the publisher before it finished"
    );
}
