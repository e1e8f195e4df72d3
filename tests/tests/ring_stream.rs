//! A stream of 64-byte `Quote`s through one `SpscRing` between two processes: the consumer
//! checks every message's contents and that the sequence numbers are consecutive from 0, and
//! reports a count and an order-sensitive digest that the parent compares with `0..N`. Then the
//! producer drops its handle and the consumer's next pop must say so (`Disconnected`).
//!
//! `cargo test` builds without optimizations, so the default runs carry 1 M messages (50–200 k
//! for the small-ring and wait-strategy runs); the 10 M runs are ignored tests:
//!
//! ```sh
//! cargo test --release -p shmipc-tests --test ring_stream -- --ignored
//! ```

mod ring_support;

use std::time::Instant;

use ring_support::{Peer, field};
use shmipc::SpscRing;
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::Digest;
use shmipc_tests::{ShmCleanup, unique_name};

/// Streams `n` messages from a `producer`-mode peer to a `consumer`-mode peer through a ring of
/// `capacity` slots created by this process.
fn stream(n: u64, capacity: usize, producer: &str, consumer: &str) {
    stream_with(n, capacity, producer, consumer, &[]);
}

/// [`stream`], with `options` (`key=value`) given to both peers.
fn stream_with(n: u64, capacity: usize, producer: &str, consumer: &str, options: &[&str]) {
    let name = unique_name("rs");
    let _cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, capacity).expect("create the ring");
    let started = Instant::now();
    let n_arg = n.to_string();
    let c = Peer::start(&[&["consume", &name, consumer][..], options].concat());
    let p = Peer::start(&[&["produce", &name, &n_arg, producer][..], options].concat());
    // The consumer first: when both fail, its error is the cause (the producer then only sees
    // its consumer gone).
    let got = c.finish();
    let pushed = p.finish();
    println!(
        "{n} messages, {producer} → {consumer} {options:?}, capacity {capacity}: {:?}",
        started.elapsed()
    );
    assert_eq!(field(&pushed, "pushed"), Some(n.to_string().as_str()));
    assert_eq!(field(&got, "first"), Some("0"), "consumer output: {got:?}");
    let digest = Digest::parse(field(&got, "digest").expect("digest line")).expect("digest");
    assert_eq!(digest.count, n, "messages received");
    assert_eq!(digest, Digest::of_range(0, n), "order or contents differ");
    assert_eq!(field(&got, "end"), Some("disconnected"));
    // Both handles are gone, so neither role is held.
    assert!(!ring.producer_alive() && !ring.consumer_alive());
}

const DEBUG_N: u64 = 1_000_000;
const RELEASE_N: u64 = 10_000_000;

/// One test per (producer form, consumer form) pair: 1 M messages through 1024 slots, and an
/// ignored 10 M-message version of each for release builds.
macro_rules! stream_forms {
    ($($debug:ident, $release:ident: $producer:literal, $consumer:literal;)+) => {$(
        #[test]
        fn $debug() {
            stream(DEBUG_N, 1024, $producer, $consumer);
        }

        #[test]
        #[ignore = "10 M messages take minutes without optimizations: run with --release -- --ignored"]
        fn $release() {
            stream(RELEASE_N, 1024, $producer, $consumer);
        }
    )+};
}

stream_forms! {
    one_message_at_a_time_spinning, ten_million_spinning: "spin", "spin";
    batched_push_slice_and_pop_batch, ten_million_batched: "batch", "batch";
    in_place_reserve_and_read_chunk, ten_million_in_place: "inplace", "inplace";
    blocking_push_and_pop, ten_million_blocking: "block", "block";
}

/// A tiny ring: both sides wait on each other all the time (full, then empty), so the blocking
/// paths park and wake constantly; and every index wraps the ring many times.
#[test]
fn blocking_through_a_four_slot_ring() {
    stream(50_000, 4, "block", "block");
}

/// `WaitStrategy::Park`: every wait sleeps at once, so nearly every hand-over goes through the
/// park/wake handshake (a lost wake-up shows as a stall of one 50 ms liveness slice, not a hang;
/// the output's time shows it).
#[test]
fn parking_strategy_through_a_small_ring() {
    stream_with(50_000, 8, "block", "block", &["wait=park"]);
    stream_with(50_000, 8, "batch", "inplace", &["wait=park"]);
}

/// `WaitStrategy::Spin`: blocking calls never sleep.
#[test]
fn spinning_strategy() {
    stream_with(200_000, 64, "block", "block", &["wait=spin"]);
}

/// Mixed forms on the two sides: batches read one by one and single pushes read in place.
#[test]
fn mixed_forms() {
    stream(DEBUG_N / 2, 256, "batch", "block");
    stream(DEBUG_N / 2, 256, "spin", "inplace");
}
