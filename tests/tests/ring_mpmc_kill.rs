//! MPMC ring, SIGKILL: producer and consumer processes killed exactly between claim and publish
//! (or release), forced with the test hook, and at random points; at least 50 trials each
//! (seeded: the seed is printed, replay with `SHMIPC_TEST_SEED=…`; more with `RING_TRIALS=…`).
//! The survivors go on, every committed message arrives exactly once and in per-producer order,
//! and only the one message in flight is lost (skipped or dropped, and counted).
//!
//! The time from the kill to the recovery is printed (no timing assertion).

mod ring_support;

use std::time::{Duration, Instant};

use ring_support::mpmc::{check_delivery, end_line, expect_line, received};
use ring_support::{Peer, Rng, trials};
use shmipc::{MpmcConsumer, MpmcProducer, MpmcRing};
use shmipc_schemas::Quote;
use shmipc_tests::{ShmCleanup, unique_name};

/// The parent's idle producer and consumer handles, held while the peers start: otherwise a
/// producer that finished before the next one attached would let the consumers (rightly)
/// report `Disconnected`, and the converse.
type Hold = (MpmcProducer<Quote>, MpmcConsumer<Quote>);

/// A fresh ring of a random capacity (`2 ..= 2^max_log2`), its name, its cleanup guard, and the
/// parent's [`Hold`] of it (drop it once the peers have started).
fn fresh(tag: &str, rng: &mut Rng, max_log2: u64) -> (String, ShmCleanup, MpmcRing<Quote>, Hold) {
    let name = unique_name(tag);
    let cleanup = ShmCleanup::new([name.clone()]);
    let capacity = 1usize << (1 + rng.below(max_log2));
    let ring = MpmcRing::<Quote>::create(&name, capacity).expect("create");
    let hold = (ring.producer().unwrap(), ring.consumer().unwrap());
    (name, cleanup, ring, hold)
}

/// Polls `done` until it holds; returns how long that took (fails after the peer deadline).
fn time_until(mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < ring_support::PEER_DEADLINE,
            "no recovery within {:?}",
            ring_support::PEER_DEADLINE
        );
        std::thread::sleep(Duration::from_micros(100));
    }
    start.elapsed()
}

/// Starts two consumer peers on `name`.
fn two_consumers(name: &str) -> Vec<Peer> {
    (0..2)
        .map(|_| Peer::start(&["mpmc-consume", name]))
        .collect()
}

/// Starts the producer peers 0 and 1 on `name`, `count` messages each.
fn two_producers(name: &str, count: &str) -> Vec<Peer> {
    (0..2)
        .map(|id| Peer::start(&["mpmc-produce", name, &id.to_string(), count]))
        .collect()
}

/// Waits for each peer to exit (checking its status); their output lines, in order.
fn finish_all(peers: Vec<Peer>) -> Vec<Vec<String>> {
    peers.into_iter().map(Peer::finish).collect()
}

fn skipped_total(outs: &[Vec<String>]) -> u64 {
    outs.iter()
        .map(|o| {
            let end = end_line(o).unwrap_or_else(|| panic!("no end line: {:?}", o.last()));
            end.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum()
}

fn run_trials(default: u32, mut trial: impl FnMut(&mut Rng) -> Option<Duration>) {
    let mut rng = Rng::from_env_or_time();
    let n = trials(default);
    let mut worst = None;
    for _ in 0..n {
        if let Some(t) = trial(&mut rng) {
            worst = Some(t.max(worst.unwrap_or(t)));
        }
    }
    match worst {
        Some(w) => println!("{n} trials; slowest recovery after the kill: {w:?}"),
        None => println!("{n} trials"),
    }
}

/// Producer 1 is killed between claiming its message J and publishing it: producer 0's 300
/// messages and producer 1's messages 0..J arrive exactly once; message J is skipped once.
#[test]
fn producer_killed_between_claim_and_publish() {
    run_trials(50, |rng| {
        let (name, _cleanup, ring, hold) = fresh("rmkp", rng, 6);
        let j = rng.below(100);
        let cs = two_consumers(&name);
        let p0 = Peer::start(&["mpmc-produce", &name, "0", "300"]);
        let hang = format!("hang_at={j}");
        let mut p1 = Peer::start(&["mpmc-produce", &name, "1", "300", &hang]);
        drop(hold);
        expect_line(&mut p1, "claimed");
        p1.kill();
        let t = time_until(|| ring.recovery().skipped_writes == 1);
        p0.finish();
        let outs = finish_all(cs);
        assert_eq!(
            skipped_total(&outs),
            1,
            "the abandoned slot is skipped once"
        );
        let got: Vec<Vec<u64>> = outs.iter().map(|o| received(o)).collect();
        let all = check_delivery(&got);
        assert_eq!(
            all.get(&0).map(Vec::len),
            Some(300),
            "producer 0: every message"
        );
        let want1: Vec<u64> = (0..j).collect();
        assert_eq!(
            all.get(&1).cloned().unwrap_or_default(),
            want1,
            "producer 1: 0..{j}"
        );
        assert_eq!(ring.recovery().skipped_writes, 1);
        assert_eq!(ring.claimed(), 0);
        Some(t)
    });
}

/// Consumer 0 is killed between claiming its (K+1)-th message and releasing it; a producer
/// blocked on that slot frees it, a second consumer gets everything else exactly once.
#[test]
fn consumer_killed_between_claim_and_release() {
    run_trials(50, |rng| {
        let (name, _cleanup, ring, hold) = fresh("rmkc", rng, 4);
        let k = rng.below(50);
        let hang = format!("hang_after={k}");
        let mut c0 = Peer::start(&["mpmc-consume", &name, &hang, "flush=each"]);
        let ps = two_producers(&name, "200");
        let before = expect_line(&mut c0, "claimed");
        let c1 = Peer::start(&["mpmc-consume", &name]);
        drop(hold);
        c0.kill();
        // A producer reaches the dead claim's slot (a lap later) and frees it.
        let t = time_until(|| ring.recovery().dropped_reads == 1);
        finish_all(ps);
        let out1 = c1.finish();
        assert_eq!(end_line(&out1), Some("end disconnected skipped 0"));
        let got = vec![received(&before), received(&out1)];
        assert_eq!(
            got[0].len() as u64,
            k,
            "consumer 0 printed its first {k} messages"
        );
        let all = check_delivery(&got);
        let total: usize = all.values().map(Vec::len).sum();
        assert_eq!(total, 399, "all 400 but the one in flight at the kill");
        assert_eq!(ring.recovery().dropped_reads, 1);
        Some(t)
    });
}

/// A producer that pushes forever is killed at a random point: its messages arrive as a
/// contiguous prefix (at most the one in flight is skipped), the other producer's all.
#[test]
fn producer_killed_at_random_points() {
    run_trials(50, |rng| {
        let (name, _cleanup, ring, hold) = fresh("rmrp", rng, 6);
        let cs = two_consumers(&name);
        let p0 = Peer::start(&["mpmc-produce", &name, "0", "300"]);
        let mut p1 = Peer::start(&["mpmc-produce", &name, "1", "0"]);
        drop(hold);
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        p1.kill();
        p0.finish();
        let outs = finish_all(cs);
        let skipped = skipped_total(&outs);
        assert!(
            skipped <= 1,
            "at most the one message in flight is skipped: {skipped}"
        );
        assert_eq!(ring.recovery().skipped_writes, skipped);
        let got: Vec<Vec<u64>> = outs.iter().map(|o| received(o)).collect();
        let all = check_delivery(&got);
        assert_eq!(all.get(&0).map(Vec::len), Some(300));
        let p1_got = all.get(&1).cloned().unwrap_or_default();
        let prefix: Vec<u64> = (0..p1_got.len() as u64).collect();
        assert_eq!(
            p1_got, prefix,
            "producer 1's messages are a prefix of its stream"
        );
        None
    });
}

/// A consumer is killed at a random point: nothing is delivered twice, per-producer order
/// holds, and at most two messages are missing from the record: the one it had claimed (then
/// dropped, and counted, when a producer needs its slot) and one it took but did not print.
#[test]
fn consumer_killed_at_random_points() {
    run_trials(50, |rng| {
        let (name, _cleanup, ring, hold) = fresh("rmrc", rng, 4);
        let mut c0 = Peer::start(&["mpmc-consume", &name, "flush=each"]);
        let c1 = Peer::start(&["mpmc-consume", &name]);
        let ps = two_producers(&name, "300");
        drop(hold);
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        c0.kill();
        let before = c0.drain();
        finish_all(ps);
        let out1 = c1.finish();
        let got = vec![received(&before), received(&out1)];
        let all = check_delivery(&got);
        let total: usize = all.values().map(Vec::len).sum();
        assert!((598..=600).contains(&total), "{total} of 600 delivered");
        let dropped = ring.recovery().dropped_reads;
        assert!(
            dropped <= 1 && dropped as usize <= 600 - total,
            "{dropped} dropped"
        );
        None
    });
}
