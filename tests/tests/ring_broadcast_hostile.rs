//! A hostile third process with write access scribbles random bytes over the broadcast ring's
//! payload (control block and slots) and over its doorbell while a publisher and two
//! subscribers run: the subscribers see lag, garbage, `Corrupted` or timeouts, never a crash, an
//! out-of-bounds access or a hang; the publisher, which reads nothing a subscriber or the
//! scribbler writes except the doorbell's hint, keeps publishing.

mod ring_support;

use ring_support::broadcast::{bcast_name, start};
use ring_support::{Peer, Rng, field};
use shmipc::BroadcastRing;
use shmipc_schemas::Quote;

#[test]
fn scribbling_over_ring_and_doorbell_crashes_and_hangs_nobody() {
    let mut rng = Rng::from_env_or_time();
    for capacity in [1usize, 64] {
        let (name, _cleanup) = bcast_name("bh");
        let bell = format!("{name}.b");
        let _ring = BroadcastRing::<Quote>::create(&name, capacity).unwrap();
        let subs: Vec<Peer> = (0..2)
            .map(|_| start(&["subscribe", &name, "hostile_ms=800"]).0)
            .collect();
        let (publisher, _) = start(&["publish", &name, "0", "push", "pace=8", "for_ms=800"]);
        let seed = rng.next_u64().to_string();
        let ring_scribbler = Peer::start(&["scribble", &name, "600", &seed]);
        let seed = rng.next_u64().to_string();
        let bell_scribbler = Peer::start(&["scribble", &bell, "600", &seed]);
        for s in [ring_scribbler, bell_scribbler] {
            assert!(field(&s.finish(), "scribbled").is_some());
        }
        let published = field(&publisher.finish(), "published")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap();
        assert!(published > 0);
        for s in subs {
            let lines = s.finish();
            let outcomes = field(&lines, "outcomes").unwrap_or_else(|| panic!("{lines:?}"));
            println!("capacity {capacity}: published {published}; subscriber {outcomes}");
        }
    }
}
