//! The broadcast ring beside its two baselines, measured in the same run: `SpscRing` (one
//! subscriber), and one `SpscRing` per subscriber with the publisher writing every message to
//! each (the obvious alternative for fan-out).
//!
//! `cargo run --release -p shmipc-examples --bin bench_broadcast [-- --rounds N --msgs M --slack S --capacity C]`
//!
//! (`--slack S`: lagging subscribers resume S messages after the oldest one held; see
//! `Subscriber::set_resume_slack`.)
//!
//! This process publishes (pinned to the first core); the subscribers are this program started
//! again (`--peer …`), pinned to the second core (with two subscribers both share it: the
//! machine this was written on has two cores). Every round runs every contender once, in turn,
//! for 8, 64 and 1024-byte messages; the tables give medians over the rounds with min–max, and
//! ratios computed round by round. The paced row runs the broadcast publisher at the rate the
//! `SpscRing` reached in the same round: whether one subscriber sustains the SPSC ring's rate. For the broadcast ring the publisher never waits: "delivered"
//! counts what a subscriber received (the rest it was told it missed), and a subscriber's rate
//! is delivered messages per second of its own receiving time (first message to the publisher's
//! drop). See BENCHMARKS.md.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use shmipc::{BroadcastRing, RecvError, SpscRing};
use shmipc_examples::ring_bench::messages::{Message, Msg8, Msg64, Msg1024};
use shmipc_examples::ring_bench::peer::Peer;
use shmipc_examples::ring_bench::pin;
use shmipc_examples::ring_bench::stats::{Latency, Spread};

/// `--capacity`: every ring's slots (default 1024).
static CAPACITY: AtomicUsize = AtomicUsize::new(1024);
/// `--slack`: the subscribers' resume slack after a lag (`Subscriber::set_resume_slack`).
static SLACK: AtomicUsize = AtomicUsize::new(0);
const ROUND_TRIPS: u64 = 20_000;
/// A paced publisher publishes in bursts of this many messages, each when it is due.
const PACE_BURST: u64 = 64;

fn capacity() -> usize {
    CAPACITY.load(Ordering::Relaxed)
}

fn name(tag: &str) -> String {
    format!("/shmipc-bench-{}-{tag}", std::process::id())
}

/// What one throughput measurement gave: the publisher's rate and each subscriber's (messages
/// per second), and the share of messages the subscribers received.
#[derive(Clone, Debug)]
struct Tput {
    publisher: f64,
    per_subscriber: f64,
    delivered: f64,
}

/// A subscriber's report: `done DELIVERED MISSED NANOS`.
fn report(peer: &mut Peer) -> (u64, u64, u64) {
    let line = peer.line();
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|w| w.parse().expect("number"))
        .collect();
    (v[0], v[1], v[2])
}

fn finish(mut subs: Vec<Peer>, n: u64, published_in: f64) -> Tput {
    let reports: Vec<_> = subs.iter_mut().map(report).collect();
    for s in subs {
        s.finish();
    }
    let rates: Vec<f64> = reports
        .iter()
        .map(|&(d, _, ns)| d as f64 / (ns.max(1) as f64 / 1e9))
        .collect();
    let delivered =
        reports.iter().map(|r| r.0).sum::<u64>() as f64 / (n * reports.len() as u64) as f64;
    Tput {
        publisher: n as f64 / published_in,
        per_subscriber: Spread::of(&rates).median,
        delivered,
    }
}

/// The broadcast ring with `k` subscribers; the publisher as fast as it can, or (`pace`) at
/// that many messages per second.
fn broadcast<T: Message>(
    size: usize,
    k: usize,
    n: u64,
    pace: Option<f64>,
    cores: &pin::Cores,
) -> Tput {
    let ring_name = name("b");
    let ring = BroadcastRing::<T>::create(&ring_name, capacity()).expect("create");
    let slack = SLACK.load(Ordering::Relaxed).to_string();
    let subs: Vec<Peer> = (0..k)
        .map(|_| {
            Peer::spawn(&args(
                &["bsub", &ring_name, &size.to_string(), &slack],
                cores,
            ))
        })
        .collect();
    let mut p = ring.producer().expect("publisher");
    let mut msg = T::new(0);
    // On schedule on average, as the `SpscRing`'s producer was: one burst when it is due; a
    // publisher that was preempted catches up at full speed (a ring too small to absorb that
    // lags its subscribers, as it would in production).
    let ns_per_msg = pace.map(|rate| 1e9 / rate);
    let start = Instant::now();
    for seq in 0..n {
        if let Some(ns) = ns_per_msg
            && seq.is_multiple_of(PACE_BURST)
        {
            let due = start + Duration::from_nanos((seq as f64 * ns) as u64);
            while Instant::now() < due {
                core::hint::spin_loop();
            }
        }
        msg.set_seq(seq);
        p.push(msg);
    }
    let elapsed = start.elapsed().as_secs_f64();
    drop(p);
    finish(subs, n, elapsed)
}

/// One `SpscRing` per subscriber, every message pushed into each (`k = 1`: the plain SPSC ring).
fn fanout<T: Message>(size: usize, k: usize, n: u64, cores: &pin::Cores) -> Tput {
    let names: Vec<String> = (0..k).map(|i| name(&format!("s{i}"))).collect();
    let rings: Vec<SpscRing<T>> = names
        .iter()
        .map(|n| SpscRing::<T>::create(n, capacity()).expect("create"))
        .collect();
    let n_arg = n.to_string();
    let subs: Vec<Peer> = names
        .iter()
        .map(|r| Peer::spawn(&args(&["scons", r, &size.to_string(), &n_arg], cores)))
        .collect();
    let mut ps: Vec<_> = rings
        .iter()
        .map(|r| r.producer().expect("producer"))
        .collect();
    let mut msg = T::new(0);
    let start = Instant::now();
    for seq in 0..n {
        msg.set_seq(seq);
        for p in &mut ps {
            p.push(msg).expect("push");
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    finish(subs, n, elapsed)
}

/// Median round trip: a message out through `broadcast` or an `SpscRing`, back through an
/// `SpscRing`.
fn round_trip<T: Message>(size: usize, broadcast: bool, cores: &pin::Cores) -> Latency {
    let (out_name, back_name) = (name("ro"), name("rb"));
    let back = SpscRing::<T>::create(&back_name, capacity()).expect("create");
    let n_arg = ROUND_TRIPS.to_string();
    let mut samples = Vec::with_capacity(ROUND_TRIPS as usize);
    let mut msg = T::new(0);
    let mut time = |send: &mut dyn FnMut(T), back: &mut shmipc::Consumer<T>| {
        for seq in 0..ROUND_TRIPS {
            msg.set_seq(seq);
            let t = Instant::now();
            send(msg);
            let r = back.pop().expect("pong");
            samples.push(t.elapsed().as_nanos().min(u32::MAX as u128) as u32);
            assert_eq!(r.seq(), seq);
        }
    };
    let peer_args = |role: &str| {
        args(
            &[role, &out_name, &back_name, &size.to_string(), &n_arg],
            cores,
        )
    };
    // Each branch keeps its ring alive while the peer runs.
    let peer = if broadcast {
        let out = BroadcastRing::<T>::create(&out_name, capacity()).expect("create");
        let peer = Peer::spawn(&peer_args("bpong"));
        let mut p = out.producer().expect("publisher");
        time(&mut |m| p.push(m), &mut back.consumer().expect("consumer"));
        peer
    } else {
        let out = SpscRing::<T>::create(&out_name, capacity()).expect("create");
        let peer = Peer::spawn(&peer_args("spong"));
        let mut p = out.producer().expect("producer");
        time(
            &mut |m| p.push(m).expect("push"),
            &mut back.consumer().expect("consumer"),
        );
        peer
    };
    peer.finish();
    Latency::of(samples)
}

fn args(a: &[&str], cores: &pin::Cores) -> Vec<String> {
    let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
    v.push(cores.peer.to_string());
    v
}

/// The peer's side: `bsub NAME SIZE SLACK CPU`, `scons NAME SIZE N CPU`, `bpong OUT BACK SIZE N CPU`,
/// `spong OUT BACK SIZE N CPU`.
fn peer(a: &[String]) {
    let cpu: usize = a.last().and_then(|c| c.parse().ok()).expect("cpu");
    let _ = pin::pin_current_thread(cpu);
    let size = if a[0].ends_with("pong") { &a[3] } else { &a[2] };
    match size.as_str() {
        "8" => peer_of::<Msg8>(a),
        "64" => peer_of::<Msg64>(a),
        _ => peer_of::<Msg1024>(a),
    }
}

fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("stdout");
    out.flush().expect("stdout");
}

fn peer_of<T: Message>(a: &[String]) {
    match a[0].as_str() {
        "bsub" => {
            let ring = BroadcastRing::<T>::open(&a[1]).expect("open");
            let mut s = ring.subscriber();
            s.set_resume_slack(a[3].parse().expect("slack"));
            say("ready");
            let (mut delivered, mut missed) = (0u64, 0u64);
            // Timed from the first message to the publisher's drop (noticed at once: one load of
            // its state word), as the SPSC consumer is timed from its first message to its last.
            let mut first: Option<Instant> = None;
            loop {
                match s.pop() {
                    Ok(_) => {
                        delivered += 1;
                        if first.is_none() {
                            first = Some(Instant::now());
                        }
                    }
                    Err(RecvError::Lagged { missed: m }) => missed += m,
                    Err(RecvError::Disconnected) => break,
                    Err(e) => panic!("{e}"),
                }
            }
            let ns = first.map_or(0, |f| f.elapsed().as_nanos() as u64);
            say(&format!("done {delivered} {missed} {ns}"));
        }
        "scons" => {
            let ring = SpscRing::<T>::open(&a[1]).expect("open");
            let mut c = ring.consumer().expect("consumer");
            let n: u64 = a[3].parse().expect("n");
            say("ready");
            let mut first = None;
            for seq in 0..n {
                let m = c.pop().expect("pop");
                assert_eq!(m.seq(), seq);
                first.get_or_insert_with(Instant::now);
            }
            let ns = first.map_or(0, |f: Instant| f.elapsed().as_nanos() as u64);
            say(&format!("done {n} 0 {ns}"));
        }
        role => {
            let back = SpscRing::<T>::open(&a[2]).expect("open");
            let mut p = back.producer().expect("producer");
            let n: u64 = a[4].parse().expect("n");
            if role == "bpong" {
                let out = BroadcastRing::<T>::open(&a[1]).expect("open");
                let mut s = out.subscriber();
                say("ready");
                for _ in 0..n {
                    p.push(s.pop().expect("ping")).expect("pong");
                }
            } else {
                let out = SpscRing::<T>::open(&a[1]).expect("open");
                let mut c = out.consumer().expect("consumer");
                say("ready");
                for _ in 0..n {
                    p.push(c.pop().expect("ping")).expect("pong");
                }
            }
        }
    }
}

/// One round of one size.
struct Run {
    /// Broadcast, one subscriber, the publisher as fast as it can.
    b1: Tput,
    /// `SpscRing`, one consumer.
    s1: Tput,
    /// Broadcast, one subscriber, the publisher paced at `s1`'s rate.
    b1_paced: Tput,
    /// Broadcast, two subscribers.
    b2: Tput,
    /// One `SpscRing` per subscriber, two.
    s2: Tput,
    rt_broadcast: Latency,
    rt_spsc: Latency,
}

/// One size's rounds.
struct Row {
    size: usize,
    n: u64,
    runs: Vec<Run>,
}

fn round<T: Message>(size: usize, n: u64, cores: &pin::Cores) -> Run {
    let s1 = fanout::<T>(size, 1, n, cores);
    Run {
        b1: broadcast::<T>(size, 1, n, None, cores),
        b1_paced: broadcast::<T>(size, 1, n, Some(s1.publisher), cores),
        s1,
        b2: broadcast::<T>(size, 2, n, None, cores),
        s2: fanout::<T>(size, 2, n, cores),
        rt_broadcast: round_trip::<T>(size, true, cores),
        rt_spsc: round_trip::<T>(size, false, cores),
    }
}

fn spread(v: impl Iterator<Item = f64>) -> String {
    let v: Vec<f64> = v.collect();
    let s = Spread::of(&v);
    if s.median >= 1000.0 {
        format!(
            "{:.2} M/s ({:.2}–{:.2})",
            s.median / 1e6,
            s.min / 1e6,
            s.max / 1e6
        )
    } else {
        format!("{:.2} ({:.2}–{:.2})", s.median, s.min, s.max)
    }
}

fn print(rows: &[Row]) {
    println!(
        "| size | contender | subscribers | publisher rate | per-subscriber rate | delivered |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | ---: |");
    for r in rows {
        let line = |label: &str, k: usize, pick: &dyn Fn(&Run) -> &Tput| {
            println!(
                "| {} B | {label} | {k} | {} | {} | {:.0} % |",
                r.size,
                spread(r.runs.iter().map(|x| pick(x).publisher)),
                spread(r.runs.iter().map(|x| pick(x).per_subscriber)),
                100.0
                    * Spread::of(&r.runs.iter().map(|x| pick(x).delivered).collect::<Vec<_>>())
                        .median
            )
        };
        line("BroadcastRing", 1, &|x| &x.b1);
        line("BroadcastRing, paced at SpscRing's rate", 1, &|x| {
            &x.b1_paced
        });
        line("SpscRing", 1, &|x| &x.s1);
        line("BroadcastRing", 2, &|x| &x.b2);
        line("SpscRing per subscriber", 2, &|x| &x.s2);
    }
    println!();
    println!(
        "| size | 1 sub: broadcast per-subscriber / SpscRing (target ≥ 0.7) | the same, paced | 2 subs: broadcast publisher / one SpscRing each (target ≥ 1.5) | round trip p50 broadcast | round trip p50 SpscRing | ratio |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} B | {} | {} | {} | {:.0} ns | {:.0} ns | {} |",
            r.size,
            spread(
                r.runs
                    .iter()
                    .map(|x| x.b1.per_subscriber / x.s1.per_subscriber)
            ),
            spread(
                r.runs
                    .iter()
                    .map(|x| x.b1_paced.per_subscriber / x.s1.per_subscriber)
            ),
            spread(r.runs.iter().map(|x| x.b2.publisher / x.s2.publisher)),
            Spread::of(
                &r.runs
                    .iter()
                    .map(|x| x.rt_broadcast.p50)
                    .collect::<Vec<_>>()
            )
            .median,
            Spread::of(&r.runs.iter().map(|x| x.rt_spsc.p50).collect::<Vec<_>>()).median,
            spread(r.runs.iter().map(|x| x.rt_broadcast.p50 / x.rt_spsc.p50)),
        );
    }
    println!(
        "({ROUND_TRIPS} round trips per measurement; messages per throughput measurement: {})",
        rows.iter()
            .map(|r| format!("{} B: {}", r.size, r.n))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.first().is_some_and(|x| x == "--peer") {
        return peer(&a[1..]);
    }
    let flag = |f: &str| {
        a.iter()
            .position(|x| x == f)
            .and_then(|i| a.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let rounds = flag("--rounds").unwrap_or(5).max(1);
    let msgs = flag("--msgs").unwrap_or(1_000_000);
    SLACK.store(flag("--slack").unwrap_or(0) as usize, Ordering::Relaxed);
    CAPACITY.store(
        flag("--capacity").unwrap_or(1024) as usize,
        Ordering::Relaxed,
    );
    let cores = pin::choose();
    if let Some(why) = pin::pin_or_warn(&cores, cores.main) {
        println!("NOT PINNED ({why}); results are noisier");
    }
    let mut rows = vec![
        Row {
            size: 8,
            n: msgs,
            runs: Vec::new(),
        },
        Row {
            size: 64,
            n: msgs,
            runs: Vec::new(),
        },
        Row {
            size: 1024,
            n: (msgs / 5).max(1),
            runs: Vec::new(),
        },
    ];
    let started = Instant::now();
    for _ in 0..rounds {
        for r in &mut rows {
            let run = match r.size {
                8 => round::<Msg8>(8, r.n, &cores),
                64 => round::<Msg64>(64, r.n, &cores),
                _ => round::<Msg1024>(1024, r.n, &cores),
            };
            r.runs.push(run);
        }
    }
    println!(
        "bench_broadcast: {rounds} rounds in {:.1} s, capacity {}, resume slack {}",
        started.elapsed().as_secs_f64(),
        capacity(),
        SLACK.load(Ordering::Relaxed)
    );
    print(&rows);
}
