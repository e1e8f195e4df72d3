//! What one run measures, sized by a calibration round, then run in interleaved rounds.

use std::time::Duration;

use super::channel::RoundTrips;
use super::kind::Kind;
use super::runner::{self, CAPACITY, Ctx};
use super::shmipc_ring;
use super::stats::Latency;

/// One measurement, repeated once per round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Test {
    /// Messages per second of `size`-byte messages, one at a time or in batches.
    Throughput {
        /// The contender.
        kind: Kind,
        /// Message size in bytes.
        size: usize,
        /// Batches of [`BATCH`](super::channel::BATCH) instead of single messages.
        batched: bool,
    },
    /// Round trips of one `size`-byte message.
    RoundTrip {
        /// The contender.
        kind: Kind,
        /// Message size in bytes.
        size: usize,
    },
    /// Round trips of one 64-byte message, each after [`WAKE_GAP`] of silence: the receiver
    /// has gone to sleep and must be woken.
    WakeRoundTrip {
        /// The contender.
        kind: Kind,
    },
    /// memcpy of 1024-byte blocks out of a `src_len`-byte buffer on one core.
    Memcpy {
        /// Size of the source buffer.
        src_len: usize,
    },
}

/// The result of one measurement.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    /// Messages (or, for memcpy, 1024-byte blocks) per second.
    Rate(f64),
    /// Round-trip latencies.
    Latency(Latency),
}

impl Outcome {
    /// The rate (panics for a latency).
    pub fn rate(&self) -> f64 {
        match self {
            Outcome::Rate(r) => *r,
            Outcome::Latency(_) => panic!("not a rate"),
        }
    }

    /// The latencies (panics for a rate).
    pub fn latency(&self) -> Latency {
        match self {
            Outcome::Latency(l) => *l,
            Outcome::Rate(_) => panic!("not a latency"),
        }
    }
}

/// Sizes of the throughput rows.
pub const SIZES: [usize; 3] = [8, 64, 1024];

/// Every test of a run, in table order.
pub fn tests() -> Vec<Test> {
    let shmipc = shmipc_ring::AVAILABLE;
    let mut t = Vec::new();
    for size in SIZES {
        for batched in [false, true] {
            for kind in Kind::ALL {
                let wanted = match kind {
                    Kind::Bounce => false,
                    Kind::Shmipc => shmipc,
                    Kind::ShmipcBlocking => shmipc && size == 64,
                    Kind::ShmipcInPlace => shmipc && size == 1024,
                    _ => true,
                };
                if wanted {
                    t.push(Test::Throughput {
                        kind,
                        size,
                        batched,
                    });
                }
            }
        }
    }
    for src_len in [CAPACITY * 1024, 64 << 20] {
        t.push(Test::Memcpy { src_len });
    }
    for kind in Kind::ALL {
        if kind == Kind::ShmipcInPlace {
            continue;
        }
        if shmipc || !matches!(kind, Kind::Shmipc | Kind::ShmipcBlocking) {
            t.push(Test::RoundTrip { kind, size: 64 });
        }
    }
    for kind in [Kind::Minimal, Kind::Shmipc, Kind::ShmipcBlocking] {
        if shmipc || kind == Kind::Minimal {
            t.push(Test::RoundTrip { kind, size: 8 });
        }
    }
    for kind in [Kind::ShmipcBlocking, Kind::Socket, Kind::Semaphore] {
        if shmipc || kind != Kind::ShmipcBlocking {
            t.push(Test::WakeRoundTrip { kind });
        }
    }
    t
}

/// Whether `only` (contender tags, `shmipc` covering both shmipc modes) includes `tag`; `None`
/// includes everything.
pub fn wants(only: Option<&[String]>, tag: &str) -> bool {
    only.is_none_or(|only| {
        only.iter()
            .any(|o| o == tag || (o == "shmipc" && tag.starts_with("shmipc")))
    })
}

/// The tests whose contender `only` includes (see [`wants`]; memcpy is `memcpy`).
pub fn select(tests: Vec<Test>, only: Option<&[String]>) -> Vec<Test> {
    tests
        .into_iter()
        .filter(|t| match t {
            Test::Throughput { kind, .. }
            | Test::RoundTrip { kind, .. }
            | Test::WakeRoundTrip { kind } => wants(only, kind.tag()),
            Test::Memcpy { .. } => wants(only, "memcpy"),
        })
        .collect()
}

/// Silence before each round trip of [`Test::WakeRoundTrip`]: longer than the 200 µs a shmipc
/// waiter spins at most before it parks.
pub const WAKE_GAP: Duration = Duration::from_millis(1);

/// Untimed round trips before the timed ones: a full lap of a fresh shared-memory ring and 100
/// more (each page of its slots faults once in each process, ~10 µs here); a few for the slow
/// contenders.
pub fn warmup(kind: Kind) -> u64 {
    match kind {
        Kind::Semaphore | Kind::Socket | Kind::Pipe => 20,
        _ => CAPACITY as u64 + 100,
    }
}

/// Runs `test` with count `n` once; also returns the seconds the measured part took (round
/// trips stop after `limit`).
pub fn run(ctx: &Ctx, test: Test, n: u64, limit: Duration) -> (Outcome, f64) {
    match test {
        Test::Throughput {
            kind,
            size,
            batched,
        } => {
            let r = crate::with_message!(size, T => runner::throughput::<T>(ctx, kind, n, batched));
            (Outcome::Rate(r.per_s), r.took_s)
        }
        Test::RoundTrip { kind, size } => {
            let run = RoundTrips {
                warmup: warmup(kind),
                n,
                limit,
                gap: Duration::ZERO,
            };
            let samples = crate::with_message!(size, T => runner::round_trips::<T>(ctx, kind, run));
            let took = samples.iter().map(|&s| s as f64).sum::<f64>() * 1e-9;
            (Outcome::Latency(Latency::of(samples)), took)
        }
        Test::WakeRoundTrip { kind } => {
            let run = RoundTrips {
                warmup: 20,
                n,
                limit,
                gap: WAKE_GAP,
            };
            let samples = runner::round_trips::<super::messages::Msg64>(ctx, kind, run);
            let took = samples.len() as f64 * WAKE_GAP.as_secs_f64();
            (Outcome::Latency(Latency::of(samples)), took)
        }
        Test::Memcpy { src_len } => {
            let r = runner::memcpy_bandwidth(src_len, n);
            (Outcome::Rate(r.per_s / 1024.0), r.took_s)
        }
    }
}

fn first_count(test: Test) -> u64 {
    match test {
        Test::RoundTrip { .. } => 200,
        _ => 2_000,
    }
}

/// Finds, for each test, a count whose measured part (not the start of the peer) takes about
/// `target` (the calibration round, also a warm-up; its results are not reported).
pub fn calibrate(ctx: &Ctx, tests: &[Test], target: Duration) -> Vec<u64> {
    tests
        .iter()
        .map(|&test| {
            if let Test::WakeRoundTrip { .. } = test {
                // Each takes WAKE_GAP and more: a fixed count (180 at 60 ms per measurement).
                return (target.as_millis() as u64 * 3).clamp(30, 300);
            }
            let mut n = first_count(test);
            loop {
                let (_, took) = run(ctx, test, n, target * 10);
                if took >= target.as_secs_f64() / 8.0 || n >= 1 << 28 {
                    let scaled = n as f64 * target.as_secs_f64() / took;
                    break (scaled as u64).clamp(200, 1 << 28);
                }
                n *= 10;
            }
        })
        .collect()
}

/// Runs every test once per round, rotating the starting test each round so that no test always
/// follows the same one; `results[test][round]`.
/// Round trips stop after `limit` (a preempted peer makes them slow).
pub fn rounds(
    ctx: &Ctx,
    tests: &[Test],
    counts: &[u64],
    rounds: usize,
    limit: Duration,
) -> Vec<Vec<Outcome>> {
    let mut results: Vec<Vec<Outcome>> = vec![Vec::with_capacity(rounds); tests.len()];
    for r in 0..rounds {
        for k in 0..tests.len() {
            let i = (k + r * 5) % tests.len();
            let t = std::time::Instant::now();
            results[i].push(run(ctx, tests[i], counts[i], limit).0);
            if std::env::var_os("BENCH_RING_TRACE").is_some() {
                eprintln!("{:?} n={} took {:?}", tests[i], counts[i], t.elapsed());
            }
        }
    }
    results
}
