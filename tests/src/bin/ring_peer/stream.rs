//! Producer and consumer of the stream tests, role holders, and the fast path for strace.

use std::time::Duration;

use shmipc::{PopError, PushError, SpscRing, WaitStrategy};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::{Counter, Digest, Witness, check, quote};

use crate::{Options, fail, say};

/// The largest run the batch and in-place modes move at once.
pub const MAX_RUN: usize = 64;

fn open(name: &str) -> SpscRing<Quote> {
    SpscRing::<Quote>::open(name).unwrap_or_else(|e| fail(&format!("open: {e}")))
}

/// Opens with the wait strategy of option `wait` (`spin`, `park`; the default otherwise).
fn open_with(name: &str, opts: &Options) -> SpscRing<Quote> {
    let wait = match opts.get("wait") {
        None | Some("default") => return open(name),
        Some("spin") => WaitStrategy::Spin,
        Some("park") => WaitStrategy::Park,
        Some(other) => fail(&format!("unknown wait strategy {other}")),
    };
    SpscRing::<Quote>::builder(name)
        .wait_strategy(wait)
        .open()
        .unwrap_or_else(|e| fail(&format!("open: {e}")))
}

/// A polling loop's pause after a miss: a spin hint, and every 256 misses the CPU is given away,
/// so that on an oversubscribed machine (2 cores, many test processes) a poller does not burn
/// the time slice its peer needs.
fn backoff(misses: &mut u32) {
    *misses = misses.wrapping_add(1);
    if misses.is_multiple_of(256) {
        std::thread::yield_now();
    } else {
        std::hint::spin_loop();
    }
}

/// The progress witness, when the parent gave one.
struct Notes(Option<Witness>);

impl Notes {
    /// Stores `v` into `c`.
    fn set(&self, c: Counter, v: u64) {
        if let Some(w) = &self.0 {
            w.set(c, v);
        }
    }
}

/// Ends the producer after a push failed with `at` messages pushed: `Disconnected` (the ring is
/// full and its consumer is gone) is an outcome the parent checks, printed as `disconnected AT`
/// (exit 0); anything else fails.
fn push_failed<V>(at: u64, e: PushError<V>) -> ! {
    if let PushError::Disconnected(_) = e {
        say(&format!("disconnected {at}"));
        std::process::exit(0);
    }
    fail(&format!("push at {at}: {e}"))
}

/// Pushes `quote(0..n)` (forever when `n` is 0). With a witness: before each operation
/// `Asked` = how far it can take the stream; after it, `Pushed` = how far it did.
pub fn produce(name: &str, n: u64, mode: &str, opts: &Options) {
    let ring = open_with(name, opts);
    let mut p = ring
        .producer()
        .unwrap_or_else(|e| fail(&format!("producer: {e}")));
    let notes = Notes(opts.get("witness").map(|w| Witness::new(w, false)));
    let from = opts.num("from").unwrap_or(0);
    let end = if n == 0 { u64::MAX } else { from + n };
    say("ready");
    let mut seq = from;
    // Run lengths vary (1..=MAX_RUN) so batches straddle the ring's end at every offset.
    let mut run = 1usize;
    let mut batch: Vec<Quote> = Vec::with_capacity(MAX_RUN);
    let mut misses = 0u32;
    while seq < end {
        let done = match mode {
            "spin" => loop {
                notes.set(Counter::Asked, seq + 1);
                match p.try_push(quote(seq)) {
                    Ok(()) => break 1,
                    Err(PushError::Full(_)) => backoff(&mut misses),
                    Err(e) => push_failed(seq, e),
                }
            },
            "block" => {
                notes.set(Counter::Asked, seq + 1);
                match p.push(quote(seq)) {
                    Ok(()) => 1,
                    Err(e) => push_failed(seq, e),
                }
            }
            "batch" => {
                let len = run.min((end - seq).min(MAX_RUN as u64) as usize);
                batch.clear();
                batch.extend((seq..seq + len as u64).map(quote));
                notes.set(Counter::Asked, seq + len as u64);
                match p.push_slice(&batch) {
                    Ok(()) => len,
                    Err(e) => {
                        let pushed = match e {
                            PushError::Disconnected(k) => k as u64,
                            _ => 0,
                        };
                        push_failed(seq + pushed, e)
                    }
                }
            }
            "inplace" => {
                let len = run.min((end - seq).min(MAX_RUN as u64) as usize);
                let mut chunk = match p.reserve(len) {
                    Ok(c) => c,
                    Err(e) => push_failed(seq, e),
                };
                let k = chunk.len();
                for i in 0..k {
                    chunk.write(i, quote(seq + i as u64));
                }
                notes.set(Counter::Asked, seq + k as u64);
                chunk.commit_all();
                k
            }
            other => fail(&format!("unknown mode {other}")),
        };
        seq += done as u64;
        run = run % MAX_RUN + 1;
        notes.set(Counter::Pushed, seq);
    }
    drop(p);
    say(&format!("pushed {}", seq - from));
}

/// What the consumer has seen so far.
struct Stream {
    /// The sequence number the next message must carry (`None` before the first).
    next: Option<u64>,
    /// The one allowed jump (to a second producer's numbers), until taken.
    jump: Option<u64>,
    digest: Digest,
}

impl Stream {
    /// Checks `q` and that it follows the previous message.
    fn accept(&mut self, q: &Quote) {
        let seq = check(q).unwrap_or_else(|e| fail(&e));
        match self.next {
            None => say(&format!("first {seq}")),
            Some(want) if want != seq => {
                if self.jump != Some(seq) {
                    fail(&format!("expected seq {want}, got {seq}"));
                }
                self.jump = None;
                say(&format!("jump {want}"));
            }
            Some(_) => {}
        }
        self.next = Some(seq + 1);
        self.digest.add(seq);
    }
}

/// Pops until the producer is gone, checking order and contents. With a witness: before each
/// operation `Asked` = how far it can consume (in place: set to the chunk's end just before the
/// chunk is released); after it, `Popped` = how far it did; `Reading` = 1 + the message being
/// read in place, 0 when none.
pub fn consume(name: &str, mode: &str, opts: &Options) {
    let ring = open_with(name, opts);
    let mut c = ring
        .consumer()
        .unwrap_or_else(|e| fail(&format!("consumer: {e}")));
    let notes = Notes(opts.get("witness").map(|w| Witness::new(w, false)));
    let until = opts.num("until");
    let mut st = Stream {
        next: None,
        jump: opts.num("jump"),
        digest: Digest::default(),
    };
    say("ready");
    let mut run = 1usize;
    let mut buf = [Quote::default(); MAX_RUN];
    let mut misses = 0u32;
    let end = loop {
        let popped = st.next.unwrap_or(0);
        notes.set(
            Counter::Asked,
            match mode {
                "batch" => popped + run as u64,
                "inplace" => popped,
                _ => popped + 1,
            },
        );
        let got: Result<(), PopError> = match mode {
            "spin" => match c.try_pop() {
                Ok(q) => {
                    st.accept(&q);
                    Ok(())
                }
                Err(PopError::Empty) => {
                    backoff(&mut misses);
                    continue;
                }
                Err(e) => Err(e),
            },
            "block" => c.pop().map(|q| st.accept(&q)),
            "batch" => c.pop_slice(&mut buf[..run]).map(|k| {
                for q in &buf[..k] {
                    st.accept(q);
                }
            }),
            "inplace" => match c.read_chunk(run) {
                Ok(chunk) => {
                    for i in 0..chunk.len() {
                        let q = chunk.read(i);
                        notes.set(Counter::Reading, q.seq.get() + 1);
                        st.accept(&q);
                    }
                    notes.set(Counter::Asked, st.next.unwrap_or(0));
                    drop(chunk);
                    Ok(())
                }
                Err(e) => Err(e),
            },
            other => fail(&format!("unknown mode {other}")),
        };
        notes.set(Counter::Popped, st.next.unwrap_or(0));
        notes.set(Counter::Reading, 0);
        run = run % MAX_RUN + 1;
        match got {
            Ok(()) => {}
            Err(PopError::Disconnected) if until.is_some_and(|u| st.next.is_none_or(|n| n < u)) => {
                // The producer died or left early: a new one is on its way.
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(PopError::Disconnected) => break "disconnected",
            Err(e) => fail(&format!("pop after {}: {e}", st.digest.count)),
        }
    };
    say(&format!("digest {}", st.digest.to_line()));
    say(&format!("end {end}"));
}

/// Pops `pops` messages by value, then takes an in-place chunk of up to `chunk` messages and
/// holds it (unreleased) until killed; prints `holding FIRST LEN`.
pub fn take_and_hang(name: &str, pops: u64, chunk: usize) {
    let ring = open(name);
    let mut c = ring.consumer().unwrap_or_else(|e| fail(&e.to_string()));
    say("ready");
    for want in 0..pops {
        let q = c.pop().unwrap_or_else(|e| fail(&e.to_string()));
        if check(&q) != Ok(want) {
            fail(&format!("pop {want} gave {q:?}"));
        }
    }
    let held = c.read_chunk(chunk).unwrap_or_else(|e| fail(&e.to_string()));
    say(&format!(
        "holding {} {}",
        held.read(0).seq.get(),
        held.len()
    ));
    loop {
        std::thread::sleep(Duration::from_secs(1));
        std::hint::black_box(&held);
    }
}

/// Pushes `quote(0..pushes)`, then reserves up to `chunk` slots, writes the next messages into
/// them and holds them (uncommitted) until killed; prints `holding FIRST LEN`.
pub fn reserve_and_hang(name: &str, pushes: u64, chunk: usize) {
    let ring = open(name);
    let mut p = ring.producer().unwrap_or_else(|e| fail(&e.to_string()));
    say("ready");
    for seq in 0..pushes {
        p.push(quote(seq)).unwrap_or_else(|e| fail(&e.to_string()));
    }
    let mut held = p.reserve(chunk).unwrap_or_else(|e| fail(&e.to_string()));
    for i in 0..held.len() {
        held.write(i, quote(pushes + i as u64));
    }
    say(&format!("holding {pushes} {}", held.len()));
    loop {
        std::thread::sleep(Duration::from_secs(1));
        std::hint::black_box(&held);
    }
}

/// Claims `role` and holds it until killed.
pub fn hold(name: &str, role: &str) {
    let ring = open(name);
    let held: Box<dyn std::any::Any> = match role {
        "producer" => Box::new(ring.producer().unwrap_or_else(|e| fail(&e.to_string()))),
        _ => Box::new(ring.consumer().unwrap_or_else(|e| fail(&e.to_string()))),
    };
    say("ready");
    loop {
        std::thread::sleep(Duration::from_secs(1));
        std::hint::black_box(&held);
    }
}

/// Tries to claim `role` once.
pub fn claim(name: &str, role: &str) {
    let ring = open(name);
    let res = match role {
        "producer" => ring.producer().map(drop),
        _ => ring.consumer().map(drop),
    };
    match res {
        Ok(()) => say("claimed"),
        Err(e) => say(&format!("refused {e}")),
    }
}

/// `close(-1)`: fails with EBADF and does nothing else; strace shows it as a marker line.
pub fn marker() {
    // SAFETY: closing an invalid descriptor only returns EBADF.
    std::hint::black_box(unsafe { libc::close(-1) });
}

/// A fast-path run's ring, `$ring::<Quote>::create(name, 64)`, and its producer and consumer
/// (the peer fails on any error): `(ring, producer, consumer)`.
macro_rules! fast_path_ring {
    ($ring:ident, $name:expr) => {{
        let ring = $ring::<Quote>::create($name, 64).unwrap_or_else(|e| fail(&e.to_string()));
        let p = ring.producer().unwrap_or_else(|e| fail(&e.to_string()));
        let c = ring.consumer().unwrap_or_else(|e| fail(&e.to_string()));
        (ring, p, c)
    }};
}
pub(crate) use fast_path_ring;

/// The messages a fast-path round pushes as a slice, and the buffer it pops slices into.
pub fn fast_path_batch() -> (Vec<Quote>, [Quote; 8]) {
    ((0..8).map(quote).collect(), [Quote::default(); 8])
}

/// Runs `round(0)` to warm up (first use may cache the process identity or touch fresh pages),
/// then `round(0..n)` between two markers; with `with_syscall` each round also makes one
/// `getppid`.
pub fn measured_rounds(n: u64, with_syscall: bool, mut round: impl FnMut(u64)) {
    let mut round = |i: u64| {
        round(i);
        if with_syscall {
            // SAFETY: getppid has no preconditions.
            std::hint::black_box(unsafe { libc::getppid() });
        }
    };
    round(0);
    marker();
    for i in 0..n {
        round(i);
    }
    marker();
}

/// `n` rounds of every push and pop form while the other side is never parked (both roles in
/// this process, alternating), between two markers.
pub fn fast_path(name: &str, n: u64, with_syscall: bool) {
    let (_ring, mut p, mut c) = fast_path_ring!(SpscRing, name);
    let (batch, mut buf) = fast_path_batch();
    let round = |i: u64| {
        p.try_push(quote(i))
            .unwrap_or_else(|e| fail(&e.to_string()));
        p.push(quote(i)).unwrap_or_else(|e| fail(&e.to_string()));
        p.push_timeout(quote(i), Duration::from_secs(1))
            .unwrap_or_else(|e| fail(&e.to_string()));
        std::hint::black_box(c.try_pop().unwrap_or_else(|e| fail(&e.to_string())));
        std::hint::black_box(c.pop().unwrap_or_else(|e| fail(&e.to_string())));
        std::hint::black_box(
            c.pop_timeout(Duration::from_secs(1))
                .unwrap_or_else(|e| fail(&e.to_string())),
        );
        p.push_slice(&batch)
            .unwrap_or_else(|e| fail(&e.to_string()));
        c.pop_slice(&mut buf)
            .unwrap_or_else(|e| fail(&e.to_string()));
        p.try_push_slice(&batch)
            .unwrap_or_else(|e| fail(&e.to_string()));
        c.try_pop_slice(&mut buf)
            .unwrap_or_else(|e| fail(&e.to_string()));
        let mut w = p.reserve(4).unwrap_or_else(|e| fail(&e.to_string()));
        for k in 0..w.len() {
            w.write(k, quote(i));
        }
        w.commit_all();
        let r = c.read_chunk(4).unwrap_or_else(|e| fail(&e.to_string()));
        std::hint::black_box(r.read(0));
        drop(r);
        let mut w = p.try_reserve(4).unwrap_or_else(|e| fail(&e.to_string()));
        w.copy_from(0, &batch[0]);
        w.commit(1);
        let r = c.try_read_chunk(4).unwrap_or_else(|e| fail(&e.to_string()));
        std::hint::black_box(r.read(0));
        drop(r);
    };
    measured_rounds(n, with_syscall, round);
    drop((p, c));
    let _ = std::fs::remove_file(format!("/dev/shm/{}", name.trim_start_matches('/')));
    say("done");
}
