//! What every contender implements (one direction of a channel), and the loops that drive them:
//! a producer, a consumer that counts only delivered messages, and the two sides of a round trip.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::messages::Message;

/// Messages per batch in the batched rows.
pub const BATCH: usize = 32;

/// The sending half of a channel.
pub trait Sender<T: Message> {
    /// Sends one message (waits while the channel is full).
    fn send(&mut self, msg: &T);
    /// Sends a run of messages; by default one at a time.
    fn send_batch(&mut self, msgs: &[T]) {
        for m in msgs {
            self.send(m);
        }
    }
}

/// The receiving half of a channel.
pub trait Receiver<T: Message> {
    /// Receives one message (waits while the channel is empty).
    fn recv(&mut self) -> T;
    /// Receives at least one and at most `out.len()` messages into `out`; returns how many. By
    /// default one at a time.
    fn recv_batch(&mut self, out: &mut [T]) -> usize {
        out[0] = self.recv();
        1
    }
}

/// Sends messages `0..n`, one at a time or in batches of [`BATCH`].
pub fn produce<T: Message>(tx: &mut impl Sender<T>, n: u64, batched: bool) {
    if batched {
        let mut batch = [T::new(0); BATCH];
        let mut next = 0;
        while next < n {
            let k = (BATCH as u64).min(n - next) as usize;
            for (i, m) in batch[..k].iter_mut().enumerate() {
                m.set_seq(next + i as u64);
            }
            tx.send_batch(&batch[..k]);
            next += k as u64;
        }
    } else {
        let mut m = T::new(0);
        for i in 0..n {
            m.set_seq(i);
            tx.send(&m);
        }
    }
}

/// A measured rate.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Messages per second (the median of the stretches).
    pub per_s: f64,
    /// Wall time of the whole measurement, in seconds.
    pub took_s: f64,
}

/// Delivery-rate samples per throughput measurement (see [`consume`]): short stretches (about
/// 1 ms at 60 ms per measurement), so that most of them see both sides running.
pub const CHUNKS: usize = 64;

/// Receives the `n` messages of [`produce`], checking every sequence number, and returns the
/// delivery rate in messages per second: the median of the rates of [`CHUNKS`] consecutive
/// stretches of about `n / CHUNKS` delivered messages each, timed from the first delivery on (no
/// time before the first message counts). On two cores shared with other work, a side that is
/// preempted spoils a stretch, not the measurement.
pub fn consume<T: Message>(rx: &mut impl Receiver<T>, n: u64, batched: bool) -> Rate {
    let mut buf = [T::new(0); BATCH];
    consume_by(n, |expected| {
        let k = if batched {
            rx.recv_batch(&mut buf)
        } else {
            buf[0] = rx.recv();
            1
        };
        for (i, m) in buf[..k].iter().enumerate() {
            assert_eq!(
                black_box(m).seq(),
                expected + i as u64,
                "message lost or out of order"
            );
        }
        k as u64
    })
}

/// The timing of [`consume`] around `take(expected)`, which receives at least one message,
/// checks that their sequence numbers start at `expected`, and returns how many it took.
pub fn consume_by(n: u64, mut take: impl FnMut(u64) -> u64) -> Rate {
    let chunk = (n / (CHUNKS as u64 + 1)).max(1);
    let mut got = 0u64;
    let mut mark: Option<(Instant, u64)> = None;
    let mut rates = Vec::with_capacity(CHUNKS + 1);
    let mut first: Option<Instant> = None;
    while got < n {
        got += take(got);
        match mark {
            None => {
                let now = Instant::now();
                (mark, first) = (Some((now, got)), Some(now));
            }
            Some((t, at)) if got - at >= chunk => {
                let now = Instant::now();
                rates.push((got - at) as f64 / (now - t).as_secs_f64().max(1e-9));
                mark = Some((now, got));
            }
            Some(_) => {}
        }
    }
    if rates.is_empty() {
        let (t, at) = mark.expect("at least one message");
        rates.push((got - at) as f64 / t.elapsed().as_secs_f64().max(1e-9));
    }
    rates.sort_by(f64::total_cmp);
    Rate {
        per_s: rates[rates.len() / 2],
        took_s: first.expect("at least one message").elapsed().as_secs_f64(),
    }
}

/// The sequence number that ends a round-trip run (the pong side echoes it, then stops).
pub const STOP: u64 = u64::MAX;

/// The pong side of a round trip: returns every message received, until [`STOP`].
pub fn pong<T: Message>(rx: &mut impl Receiver<T>, tx: &mut impl Sender<T>) {
    loop {
        let m = rx.recv();
        tx.send(&m);
        if m.seq() == STOP {
            return;
        }
    }
}

/// How many round trips to make.
#[derive(Clone, Copy, Debug)]
pub struct RoundTrips {
    /// Untimed round trips first (a fresh ring's first lap page-faults in both processes).
    pub warmup: u64,
    /// Timed round trips.
    pub n: u64,
    /// Stop timing early once this has passed (a preempted peer makes round trips slow).
    pub limit: Duration,
    /// Silence before each timed round trip (not timed): long enough, and the receiver parks.
    pub gap: Duration,
}

/// The ping side: `run.warmup` untimed round trips, `run.n` timed ones (fewer if `run.limit`
/// passes first), then the [`STOP`] message. Returns each timed round trip's duration in
/// nanoseconds (each includes one clock read).
pub fn ping<T: Message>(
    tx: &mut impl Sender<T>,
    rx: &mut impl Receiver<T>,
    run: RoundTrips,
) -> Vec<u32> {
    let mut m = T::new(0);
    let mut one = |i: u64| {
        m.set_seq(i);
        tx.send(&m);
        let back = rx.recv();
        assert_eq!(back.seq(), i, "round trip returned another message");
    };
    let samples = time_round_trips(run, &mut one);
    one(STOP);
    samples
}

/// Calls `round_trip(i)` for `run.warmup` untimed values of `i`, then times the next `run.n`
/// calls, one clock read per call, stopping early once `run.limit` has passed.
pub fn time_round_trips(run: RoundTrips, mut round_trip: impl FnMut(u64)) -> Vec<u32> {
    for i in 0..run.warmup {
        round_trip(i);
    }
    let mut samples = Vec::with_capacity(run.n as usize);
    let start = Instant::now();
    let mut prev = start;
    for i in run.warmup..run.warmup + run.n {
        if !run.gap.is_zero() {
            std::thread::sleep(run.gap);
            prev = Instant::now();
        }
        round_trip(i);
        let now = Instant::now();
        samples.push(nanos(now - prev));
        prev = now;
        if i % 1024 == 1023 && now - start > run.limit {
            break;
        }
    }
    samples
}

fn nanos(d: Duration) -> u32 {
    d.as_nanos().min(u32::MAX as u128) as u32
}

/// Cost of one `Instant::now()` in nanoseconds (each round-trip sample includes one): the
/// fastest of 9 runs of 20,000 reads, so that a preemption does not count.
pub fn clock_read_ns() -> f64 {
    let n = 20_000;
    (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                black_box(Instant::now());
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}
