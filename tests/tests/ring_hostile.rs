//! A hostile third process writes random bytes over a ring's whole payload (control block and
//! slots), repeatedly, while a producer and a consumer process use every push and pop form with
//! timeouts. They must end with errors or garbage values, never a crash (signal), a panic
//! (exit 101, e.g. an index out of bounds), or a wait without end (the parent's deadline).

mod ring_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ring_support::{Peer, Rng, describe, field};
use shmipc::SpscRing;
use shmipc_schemas::Quote;
use shmipc_tests::raw_map::RawMap;
use shmipc_tests::ring_msgs::quote;
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
    let mut c = Peer::start(&["hostile-consume", &name, &run, &rng.next_u64().to_string()]);
    let mut p = Peer::start(&["hostile-produce", &name, &run, &rng.next_u64().to_string()]);
    let mut s = Peer::start(&[
        "scribble",
        &name,
        &SCRIBBLE_MS.to_string(),
        &rng.next_u64().to_string(),
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
    for o in [&produced, &consumed] {
        assert!(
            !o.starts_with("refused"),
            "a role was refused before any scribbling: {o}"
        );
    }
    // The creator's handle survives too: its queries must not crash either.
    std::hint::black_box((ring.producer_alive(), ring.consumer_alive()));
    (produced, consumed)
}

#[test]
fn random_bytes_over_the_whole_ring_never_crash_or_hang_either_side() {
    let mut rng = Rng::from_env_or_time();
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

/// The scribbler goes first: the ring is wrecked before producer and consumer open it. Opening
/// or claiming may be refused (the role records are random); whatever is accepted must then
/// behave as above: errors or garbage, no crash, no hang.
#[test]
fn a_ring_wrecked_before_it_is_opened_is_refused_or_survived() {
    let mut rng = Rng::from_env_or_time();
    let (mut refused, mut used) = (0, 0);
    for round in 0..12 {
        let name = unique_name("rhw");
        let _cleanup = ShmCleanup::new([name.clone()]);
        let capacity = 1usize << rng.below(11);
        let _ring = SpscRing::<Quote>::create(&name, capacity).expect("create");
        let seed = rng.next_u64().to_string();
        let s = Peer::start(&["scribble", &name, "20", &seed]);
        s.finish();
        let run = "100";
        let mut c = Peer::start(&["hostile-consume", &name, run, &rng.next_u64().to_string()]);
        let mut p = Peer::start(&["hostile-produce", &name, run, &rng.next_u64().to_string()]);
        for (peer, who) in [(&mut p, "producer"), (&mut c, "consumer")] {
            let status = peer
                .wait_deadline(DEADLINE)
                .unwrap_or_else(|| panic!("round {round}: the {who} hung on a wrecked ring"));
            let out = peer.drain();
            assert!(
                status.success(),
                "round {round}: the {who} crashed: {}; {out:?}",
                describe(status)
            );
            let o = field(&out, "outcomes").unwrap_or_else(|| panic!("{who}: {out:?}"));
            println!("round {round}, capacity {capacity}, {who}: {o}");
            if o.starts_with("refused") {
                refused += 1;
            } else {
                used += 1;
            }
        }
    }
    println!("{refused} refused, {used} used the wrecked ring");
}

/// Offset of the consumer's index in the payload (the control block's consumer side starts at
/// byte 256; its first word is the index).
const CONSUMER_INDEX: usize = 256;

/// Maps ring `name` and stores `value` into the 8-byte word at payload offset `at`.
fn poke(name: &str, at: usize, value: u64) {
    let path = format!("/dev/shm/{}", name.trim_start_matches('/'));
    let bytes = std::fs::read(&path).expect("read the ring file");
    let header = shmipc::segment::header::decode(&bytes).expect("a valid header");
    let map = RawMap::new(name, bytes.len(), false).expect("map the ring");
    let offset = header.header_len as usize + at;
    assert!(offset + 8 <= bytes.len());
    // SAFETY: `offset` is 8-aligned (the payload and the control block are), inside the mapping,
    // and the word is only ever accessed atomically.
    let word = unsafe { &*map.ptr().add(offset).cast::<AtomicU64>() };
    word.store(value, Ordering::SeqCst);
}

/// A regression test found by the wrecked-ring test: a consumer index just below 2⁶⁴ is
/// "within capacity" of a fresh producer's tail 0 by wrapping distance; the producer's free count
/// subtracted without wrapping, so in a debug build the producer panicked ("attempt to subtract
/// with overflow") on its first push. It must return an error or push, never panic.
#[test]
fn a_consumer_index_near_the_wrap_does_not_panic_the_producer() {
    let name = unique_name("rhx");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, 4).expect("create");
    poke(&name, CONSUMER_INDEX, u64::MAX);
    let mut p = ring.producer().expect("producer");
    let results: Vec<String> = (0..8)
        .map(|i| match p.try_push(quote(i)) {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("{e:?}"),
        })
        .collect();
    println!("pushes after the poke: {results:?}");
}
