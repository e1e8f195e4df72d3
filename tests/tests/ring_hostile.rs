//! A hostile third process writes random bytes over a ring's whole payload (control block and
//! slots), repeatedly, while a producer and a consumer process use every push and pop form with
//! timeouts. They must end with errors or garbage values, never a crash (signal), a panic
//! (exit 101, e.g. an index out of bounds), or a wait without end (the parent's deadline).

mod ring_support;

use std::time::{Duration, Instant};

use ring_support::{Peer, Rng, describe, field};
use shmipc::SpscRing;
use shmipc_schemas::Quote;
use shmipc_tests::{ShmCleanup, unique_name};

/// How long producer and consumer run; the scribbler stops a little earlier, so both also run
/// against the wreck it left.
const RUN_MS: u64 = 600;
const SCRIBBLE_MS: u64 = 400;
/// Producer and consumer use 5 ms timeouts: anything much longer than `RUN_MS` is a hang.
const DEADLINE: Duration = Duration::from_secs(20);

fn one_round(rng: &mut Rng, capacity: usize) -> (String, String) {
    let name = unique_name("rh");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, capacity).expect("create");
    let run = RUN_MS.to_string();
    let mut c = Peer::start(&["hostile-consume", &name, &run, &rng.next().to_string()]);
    let mut p = Peer::start(&["hostile-produce", &name, &run, &rng.next().to_string()]);
    let mut s = Peer::start(&[
        "scribble",
        &name,
        &SCRIBBLE_MS.to_string(),
        &rng.next().to_string(),
    ]);
    let started = Instant::now();
    let outcome = |peer: &mut Peer, who: &str| -> String {
        let left = DEADLINE.saturating_sub(started.elapsed());
        match peer.wait_deadline(left) {
            None => panic!("{who} did not finish within {DEADLINE:?}: a wait without end"),
            Some(status) => {
                let out = peer.drain();
                assert!(
                    status.success(),
                    "{who} crashed: {}; output: {out:?}",
                    describe(status)
                );
                field(&out, "outcomes")
                    .or_else(|| field(&out, "scribbled"))
                    .unwrap_or_else(|| panic!("{who} printed no result: {out:?}"))
                    .to_string()
            }
        }
    };
    let scribbled = outcome(&mut s, "the scribbler");
    let produced = outcome(&mut p, "the producer");
    let consumed = outcome(&mut c, "the consumer");
    println!("capacity {capacity}: {scribbled} writes; producer {produced}; consumer {consumed}");
    // The creator's handle survives too: its queries must not crash either.
    std::hint::black_box((ring.producer_alive(), ring.consumer_alive()));
    (produced, consumed)
}

#[test]
fn random_bytes_over_the_whole_ring_never_crash_or_hang_either_side() {
    let mut rng = Rng::from_env_or_time("hostile");
    let mut saw_error = false;
    for capacity in [2, 64, 1024] {
        let (produced, consumed) = one_round(&mut rng, capacity);
        // With the control block overwritten hundreds of times, some call must have noticed.
        saw_error |= [&produced, &consumed]
            .iter()
            .any(|o| !o.contains("corrupted=0") || !o.contains("garbage=0"));
    }
    assert!(
        saw_error,
        "three rounds of scribbling went entirely unnoticed"
    );
}
