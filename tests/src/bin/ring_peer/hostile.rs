//! Producer and consumer that keep using a ring while a third process scribbles over it: every
//! call has a timeout; outcomes are counted, never trusted.

use std::fmt::Display;
use std::time::{Duration, Instant};

use shmipc::{PopError, PushError, SpscRing};
use shmipc_schemas::Quote;
use shmipc_tests::Rng;
use shmipc_tests::ring_msgs::{check, quote};

use crate::say;

const STEP: Duration = Duration::from_millis(5);

/// Counts of each outcome.
#[derive(Default)]
struct Outcomes {
    ok: u64,
    full_or_empty: u64,
    timeout: u64,
    disconnected: u64,
    corrupted: u64,
    garbage: u64,
}

impl Outcomes {
    fn line(&self) -> String {
        format!(
            "outcomes ok={} full_or_empty={} timeout={} disconnected={} corrupted={} garbage={}",
            self.ok,
            self.full_or_empty,
            self.timeout,
            self.disconnected,
            self.corrupted,
            self.garbage
        )
    }
}

/// One side's run: the ring, the generator choosing the calls, the counts, the end time.
struct Run {
    ring: SpscRing<Quote>,
    rng: Rng,
    o: Outcomes,
    end: Instant,
}

impl Run {
    /// Opens ring `name` and claims a role with `claim` (a refusal of either is an outcome, see
    /// [`refused`]), says `ready`, and runs for `millis` ms from now with generator `seed`.
    fn begin<R, E: Display>(
        name: &str,
        role: &str,
        claim: impl FnOnce(&SpscRing<Quote>) -> Result<R, E>,
        millis: u64,
        seed: u64,
    ) -> (Run, R) {
        let ring = open_or_exit(name);
        let r = claim(&ring).unwrap_or_else(|e| refused(&format!("{role}: {e}")));
        say("ready");
        let run = Run {
            ring,
            rng: Rng::new(seed),
            o: Outcomes::default(),
            end: Instant::now() + Duration::from_millis(millis),
        };
        (run, r)
    }

    /// A chunk request: how many slots (1 ..= 16), and how long to wait for them (`None`: not
    /// at all).
    fn chunk_request(&mut self) -> (usize, Option<Duration>) {
        let max = 1 + self.rng.index(16);
        (max, (self.rng.below(2) != 0).then_some(STEP))
    }

    /// How many of a chunk's `len` slots to commit or release (0 ..= `len`).
    fn how_many(&mut self, len: usize) -> usize {
        self.rng.index(len + 1)
    }

    /// Whether the time is not up yet.
    fn running(&self) -> bool {
        Instant::now() < self.end
    }

    /// Queries the ring's liveness (the wreck must not crash that either), drops `role`, and
    /// prints the counts.
    fn finish<R>(self, role: R) {
        std::hint::black_box((self.ring.producer_alive(), self.ring.consumer_alive()));
        drop(role);
        say(&self.o.line());
    }
}

fn push_outcome<T>(o: &mut Outcomes, r: Result<(), PushError<T>>) {
    match r {
        Ok(()) => o.ok += 1,
        Err(PushError::Full(_)) => o.full_or_empty += 1,
        Err(PushError::Timeout(_)) => o.timeout += 1,
        Err(PushError::Disconnected(_)) => o.disconnected += 1,
        Err(PushError::Corrupted(_)) => o.corrupted += 1,
    }
}

fn pop_outcome(o: &mut Outcomes, r: Result<Quote, PopError>) {
    match r {
        Ok(q) => match check(&q) {
            Ok(_) => o.ok += 1,
            Err(_) => o.garbage += 1,
        },
        Err(PopError::Empty) => o.full_or_empty += 1,
        Err(PopError::Timeout) => o.timeout += 1,
        Err(PopError::Disconnected) => o.disconnected += 1,
        Err(PopError::Corrupted) => o.corrupted += 1,
    }
}

/// Opens the ring; a refusal (the scribbler may have been there first) is a valid outcome:
/// printed as `outcomes refused …`, exit 0.
fn open_or_exit(name: &str) -> SpscRing<Quote> {
    SpscRing::<Quote>::open(name).unwrap_or_else(|e| refused(&format!("open: {e}")))
}

fn refused(why: &str) -> ! {
    say("ready");
    say(&format!("outcomes refused {why}"));
    std::process::exit(0);
}

/// Pushes with every API for `millis` ms.
pub fn produce(name: &str, millis: u64, seed: u64) {
    let (mut run, mut p) = Run::begin(name, "producer", SpscRing::producer, millis, seed);
    let mut seq = 0;
    let batch: Vec<Quote> = (0..16).map(quote).collect();
    while run.running() {
        seq += 1;
        match run.rng.below(5) {
            0 => push_outcome(&mut run.o, p.try_push(quote(seq))),
            1 | 2 => push_outcome(&mut run.o, p.push_timeout(quote(seq), STEP)),
            3 => {
                let len = 1 + run.rng.below(16) as usize;
                push_outcome(&mut run.o, p.try_push_slice(&batch[..len]).map(drop));
            }
            _ => {
                let chunk = match run.chunk_request() {
                    (max, None) => p.try_reserve(max),
                    (max, Some(wait)) => p.reserve_timeout(max, wait),
                };
                match chunk {
                    Ok(mut chunk) => {
                        for i in 0..chunk.len() {
                            chunk.write(i, quote(seq));
                        }
                        let n = run.how_many(chunk.len());
                        chunk.commit(n);
                        run.o.ok += 1;
                    }
                    Err(e) => push_outcome::<()>(&mut run.o, Err(e)),
                }
            }
        }
    }
    run.finish(p);
}

/// Pops with every API for `millis` ms.
pub fn consume(name: &str, millis: u64, seed: u64) {
    let (mut run, mut c) = Run::begin(name, "consumer", SpscRing::consumer, millis, seed);
    let mut buf = [Quote::default(); 16];
    while run.running() {
        match run.rng.below(5) {
            0 => pop_outcome(&mut run.o, c.try_pop()),
            1 | 2 => pop_outcome(&mut run.o, c.pop_timeout(STEP)),
            3 => {
                let len = 1 + run.rng.below(16) as usize;
                match c.try_pop_slice(&mut buf[..len]) {
                    Ok(k) => {
                        for q in &buf[..k] {
                            pop_outcome(&mut run.o, Ok(*q));
                        }
                    }
                    Err(e) => pop_outcome(&mut run.o, Err(e)),
                }
            }
            _ => {
                let chunk = match run.chunk_request() {
                    (max, None) => c.try_read_chunk(max),
                    (max, Some(wait)) => c.read_chunk_timeout(max, wait),
                };
                match chunk {
                    Ok(chunk) => {
                        for i in 0..chunk.len() {
                            pop_outcome(&mut run.o, Ok(chunk.read(i)));
                        }
                        let n = run.how_many(chunk.len());
                        chunk.release(n);
                    }
                    Err(e) => pop_outcome(&mut run.o, Err(e)),
                }
            }
        }
        std::hint::black_box((c.len(), c.is_empty(), c.capacity()));
    }
    run.finish(c);
}
