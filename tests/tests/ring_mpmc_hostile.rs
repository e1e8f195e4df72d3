//! MPMC ring, hostile memory: a third process writes random bytes over the ring's whole payload
//! (indices, wait cells, counters, the process table, slot words and values) while two
//! processes push and pop with timeouts. They must end with errors or garbage values, never a
//! crash (signal), a panic (exit 101, e.g. an index out of bounds), or a wait without end (the
//! peer deadline).

mod ring_support;

use ring_support::{Peer, Rng, field};
use shmipc::MpmcRing;
use shmipc_schemas::Quote;
use shmipc_tests::{ShmCleanup, unique_name};

const RUN_MS: &str = "500";
const SCRIBBLE_MS: &str = "350";

#[test]
fn scribbled_rings_give_errors_or_garbage_never_a_crash_or_hang() {
    let mut rng = Rng::from_env_or_time();
    for capacity in [1, 4, 64] {
        let name = unique_name("rmh");
        let _cleanup = ShmCleanup::new([name.clone()]);
        let _ring = MpmcRing::<Quote>::create(&name, capacity).expect("create");
        let users: Vec<Peer> = (0..2)
            .map(|_| {
                let seed = rng.next_u64().to_string();
                Peer::start(&["mpmc-hostile", &name, RUN_MS, &seed])
            })
            .collect();
        let seed = rng.next_u64().to_string();
        let scribbler = Peer::start(&["scribble", &name, SCRIBBLE_MS, &seed]);
        // `finish` fails on a hang (deadline), a signal or a panic.
        for u in users {
            let out = u.finish();
            let outcomes = field(&out, "outcomes").unwrap_or_else(|| panic!("{out:?}"));
            println!("capacity {capacity}: {outcomes}");
        }
        scribbler.finish();
    }
}
