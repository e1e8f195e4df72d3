//! SIGKILL at random points, at least 50 trials per test (seeded: the seed is printed, replay
//! with `SHMIPC_TEST_SEED=…`; more trials with `RING_TRIALS=…`).
//!
//! The killed peer stores its progress in a witness mapping of its own after every completed
//! push or pop, so the parent knows, after the kill, what was committed (producer) or consumed
//! (consumer) for certain, give or take the one operation in flight at the moment of death.

mod ring_support;

use std::ops::Range;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ring_support::{Peer, Rng, describe, field, trials};
use shmipc::{Consumer, PopError, Producer, PushError, SpscRing};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::{Counter, Digest, Witness, quote};
use shmipc_tests::{ShmCleanup, unique_name};

const MODES: [&str; 4] = ["spin", "block", "batch", "inplace"];
/// The consumer's wait strategy (`wait=default` is the default, `SpinThenPark`).
const WAITS: [&str; 3] = ["wait=default", "wait=spin", "wait=park"];

/// Runs `trial(i, rng)` `trials(default)` times with one seeded generator (its seed printed),
/// then prints how many trials ran and how long they took.
fn run_trials(default: u32, mut trial: impl FnMut(u32, &mut Rng)) -> u32 {
    let mut rng = Rng::from_env_or_time();
    let n = trials(default);
    let started = Instant::now();
    for i in 0..n {
        trial(i, &mut rng);
    }
    println!("{n} trials in {:?}", started.elapsed());
    n
}

/// One kill trial's ring of `capacity` 2 ..= 512 and witness mapping, both removed on drop
/// (also when an assertion fails).
struct Trial {
    name: String,
    wname: String,
    capacity: usize,
    ring: SpscRing<Quote>,
    witness: Witness,
    _cleanup: ShmCleanup,
}

impl Trial {
    /// A fresh ring named after `prefix`, of a random capacity, and its witness.
    fn new(prefix: &str, rng: &mut Rng) -> Trial {
        let name = unique_name(prefix);
        let wname = unique_name(&format!("{prefix}w"));
        let _cleanup = ShmCleanup::new([name.clone(), wname.clone()]);
        let capacity = 1usize << (1 + rng.below(9)); // 2 ..= 512
        let ring = SpscRing::<Quote>::create(&name, capacity).expect("create");
        let witness = Witness::new(&wname, true);
        Trial {
            name,
            wname,
            capacity,
            ring,
            witness,
            _cleanup,
        }
    }

    /// The peer option that makes a peer record its progress in this trial's witness.
    fn witness_opt(&self) -> String {
        format!("witness={}", self.wname)
    }

    /// A producer peer in `pmode`, recording into the witness, killed after up to ~3 ms
    /// wherever it is; returns how it ended, how many pushes had returned and how far the push
    /// in flight could take the stream.
    fn kill_producer(&self, pmode: &str, rng: &mut Rng, ctx: &str) -> (ExitStatus, u64, u64) {
        let witness_opt = self.witness_opt();
        let p = Peer::start(&["produce", &self.name, "0", pmode, &witness_opt]);
        let status = kill_soon(p, rng, ctx);
        let committed = self.witness.get(Counter::Pushed);
        let asked = self.witness.get(Counter::Asked).max(committed);
        (status, committed, asked)
    }
}

/// A fresh ring of `capacity` named after `prefix`: its name, the guard that removes it (also
/// when an assertion fails), and the creator's handle.
fn fresh_ring(prefix: &str, capacity: usize) -> (String, ShmCleanup, SpscRing<Quote>) {
    let name = unique_name(prefix);
    let cleanup = ShmCleanup::new([name.clone()]);
    let ring = SpscRing::<Quote>::create(&name, capacity).expect("create");
    (name, cleanup, ring)
}

/// Lets `peer` run for up to ~3 ms, then SIGKILLs it wherever it is; checks that the kill
/// (not something else) ended it.
fn kill_soon(mut peer: Peer, rng: &mut Rng, ctx: &str) -> ExitStatus {
    std::thread::sleep(Duration::from_micros(rng.below(3000)));
    let status = peer.kill();
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "{ctx}: {}",
        describe(status)
    );
    status
}

/// Producer killed mid-stream: the consumer (another process, blocked in its pop forms) gets
/// every committed message exactly once and in order, then `Disconnected` instead of waiting.
#[test]
fn killed_producer_leaves_every_committed_message_then_disconnected() {
    let (mut delivered_in_flight, mut partial_runs) = (0, 0);
    let n = run_trials(50, |trial, rng| {
        let t = Trial::new("rkp", rng);
        let capacity = t.capacity;
        let pmode = MODES[rng.below(4) as usize];
        let cmode = MODES[rng.below(4) as usize];
        // The consumer's wait strategy decides how it learns of the death: a sleeper's slice
        // ends, a spinner's periodic liveness check, or a `try_pop` probe.
        let wait = WAITS[rng.below(3) as usize];
        let c = Peer::start(&["consume", &t.name, cmode, wait]);
        let (status, committed, asked) = t.kill_producer(pmode, rng, &format!("trial {trial}"));
        let got = c.finish();
        let ctx = format!(
            "trial {trial}: capacity {capacity}, {pmode} → {cmode} {wait}, killed ({}) after {committed} \
             pushes returned ({asked} asked); consumer said {got:?}",
            describe(status)
        );
        let digest = Digest::parse(field(&got, "digest").expect(&ctx)).expect(&ctx);
        if digest.count > 0 {
            assert_eq!(field(&got, "first"), Some("0"), "{ctx}");
        }
        assert_eq!(digest, Digest::of_range(0, digest.count), "{ctx}");
        assert_eq!(field(&got, "end"), Some("disconnected"), "{ctx}");
        // Every push that returned is delivered, and nothing beyond the operation in flight.
        // A single message is all or nothing; a run (`push_slice`, a reserved chunk) is
        // published slot by slot (each slot's stamp), so a kill during its commit delivers a
        // prefix of it.
        assert!(
            committed <= digest.count && digest.count <= asked,
            "{ctx}: {} delivered, {committed}..={asked} possible",
            digest.count
        );
        if matches!(pmode, "spin" | "block") {
            assert!(
                digest.count == committed || digest.count == asked,
                "{ctx}: {} delivered, {committed} or {asked} possible",
                digest.count
            );
        }
        if digest.count > committed {
            delivered_in_flight += 1;
            partial_runs += u32::from(digest.count < asked);
        }
    });
    println!(
        "of {n} trials, {delivered_in_flight} delivered (part of) the operation in flight at the \
         kill, {partial_runs} of them a prefix of a run"
    );
}

/// This process's producer, pushing `quote(0..)` from a thread until told to stop. While no
/// consumer is attached the ring fills up and pushes time out or report `Disconnected`; the
/// pusher retries until a new consumer makes room.
struct Pusher {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl Pusher {
    fn start(mut p: Producer<Quote>) -> Pusher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut seq = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut v = quote(seq);
                loop {
                    match p.push_timeout(v, Duration::from_millis(1)) {
                        Ok(()) => break,
                        Err(
                            PushError::Timeout(back)
                            | PushError::Full(back)
                            | PushError::Disconnected(back),
                        ) => v = back,
                        Err(e) => panic!("push {seq}: {e}"),
                    }
                    assert!(Instant::now() < deadline, "push {seq} never got in");
                }
                seq += 1;
            }
            seq // dropping `p` closes the producer side: the consumer ends with Disconnected
        });
        Pusher { stop, thread }
    }

    /// Stops after the push in progress; returns how many messages were pushed.
    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the pusher thread panicked")
    }
}

/// Consumer killed mid-stream: a new consumer process reclaims the role and continues from the
/// first message the dead one had not consumed. This process is the producer throughout,
/// pushing from a thread while the consumer is killed, replaced, and fed a little longer.
///
/// What counts as consumed: a `pop` that returned, or an in-place read that was released. The
/// witness says how far the dead consumer got (`Popped`) and whether an in-place read was in
/// progress (`Reading`). As `SpscRing::consumer` documents, a message whose read was in progress
/// at the kill (chunk not yet dropped) is delivered again; one whose pop had returned is not,
/// even if the dead consumer never got to record it.
#[test]
fn killed_consumer_is_replaced_and_the_stream_continues() {
    let (mut redelivered, mut popped_unrecorded) = (0, 0);
    let n = run_trials(50, |trial, rng| {
        let t = Trial::new("rkc", rng);
        let (name, ring, witness) = (&t.name, &t.ring, &t.witness);
        let mode = MODES[rng.below(4) as usize];
        let ctx = format!("trial {trial}: capacity {}, mode {mode}", t.capacity);
        let a = Peer::start(&["consume", name, mode, &t.witness_opt()]);
        let pusher = Pusher::start(ring.producer().expect("producer"));
        let status = kill_soon(a, rng, &ctx);
        let popped = witness.get(Counter::Popped);
        let reading = witness.get(Counter::Reading);
        let asked = witness.get(Counter::Asked).max(popped);
        let ctx = format!(
            "{ctx}: first consumer killed ({}) after {popped} pops (asked {asked}), reading {reading}",
            describe(status)
        );
        assert!(
            !ring.consumer_alive(),
            "{ctx}: the dead consumer still counts as alive"
        );
        let b = Peer::start(&["consume", name, mode]);
        std::thread::sleep(Duration::from_micros(rng.below(1000)));
        let total = pusher.finish();
        let got = b.finish();
        let ctx = format!("{ctx}; {total} pushed; second consumer said {got:?}");
        let digest = Digest::parse(field(&got, "digest").expect(&ctx)).expect(&ctx);
        let first = match field(&got, "first") {
            Some(f) => f.parse::<u64>().expect(&ctx),
            None => total, // nothing left for the second consumer
        };
        assert_eq!(digest, Digest::of_range(first, total), "{ctx}");
        assert_eq!(field(&got, "end"), Some("disconnected"), "{ctx}");
        // The new consumer starts at the first message not consumed: at `popped`, or where
        // the operation in flight would take the stream if it completed before the kill (one
        // message; the chunk's end; for a batch, anything up to the slice's length).
        assert!(
            popped <= first && first <= asked,
            "{ctx}: the new consumer started at {first}, not in {popped}..={asked}"
        );
        if mode != "batch" {
            assert!(
                first == popped || first == asked,
                "{ctx}: the new consumer started at {first}, not at {popped} or {asked}"
            );
        }
        if reading != 0 {
            // An in-place read was in progress, the last message read being `reading - 1`: the
            // chunk is released only after its last message was read, so the new consumer
            // starts at the chunk's start (delivered again) or right after its end, never later.
            assert!(
                first <= reading,
                "{ctx}: a message being read at death was lost"
            );
        }
        if first == popped && reading != 0 {
            redelivered += 1;
        }
        if first > popped {
            popped_unrecorded += 1;
        }
    });
    println!(
        "of {n} trials, {redelivered} redelivered a message being read at death, \
         {popped_unrecorded} had consumed messages it had not recorded yet"
    );
}

/// Where the second producer's numbers start: far above anything the first one reaches.
const SECOND: u64 = 1 << 40;

/// Producer killed mid-stream and replaced by a new producer process: the consumer (which keeps
/// waiting through `Disconnected`) gets the first producer's committed messages, then the second
/// one's, each exactly once and in order. The new producer continues after every message the
/// dead one committed, also a run it committed but had not published the index of, and never
/// resends or skips a slot.
#[test]
fn killed_producer_is_replaced_and_the_consumer_sees_both_streams() {
    run_trials(50, |trial, rng| {
        let t = Trial::new("rkr", rng);
        let (name, capacity) = (&t.name, t.capacity);
        let pmode = MODES[rng.below(4) as usize];
        let pmode2 = MODES[rng.below(4) as usize];
        let cmode = MODES[rng.below(4) as usize];
        let second = 1 + rng.below(1000);
        let (jump, until) = (
            format!("jump={SECOND}"),
            format!("until={}", SECOND + second),
        );
        let c = Peer::start(&["consume", name, cmode, &jump, &until]);
        let (_, committed, asked) = t.kill_producer(pmode, rng, &format!("trial {trial}"));
        assert!(
            !t.ring.producer_alive(),
            "trial {trial}: the dead producer counts as alive"
        );
        let from = format!("from={SECOND}");
        let p2 = Peer::start(&["produce", name, &second.to_string(), pmode2, &from]);
        let pushed = p2.finish();
        let got = c.finish();
        let ctx = format!(
            "trial {trial}: capacity {capacity}, {pmode} then {pmode2} → {cmode}; first \
             producer killed after {committed} pushes returned ({asked} asked); second said \
             {pushed:?}; consumer said {got:?}"
        );
        // The first stream: `jump AT` says how many of its messages arrived (none: the first
        // message seen was the second producer's).
        let first_count = match field(&got, "jump") {
            Some(at) => at.parse::<u64>().expect(&ctx),
            None => {
                assert_eq!(
                    field(&got, "first"),
                    Some(SECOND.to_string().as_str()),
                    "{ctx}"
                );
                0
            }
        };
        if first_count > 0 {
            assert_eq!(field(&got, "first"), Some("0"), "{ctx}");
        }
        assert!(committed <= first_count && first_count <= asked, "{ctx}");
        if matches!(pmode, "spin" | "block") {
            assert!(first_count == committed || first_count == asked, "{ctx}");
        }
        let mut want = Digest::of_range(0, first_count);
        for seq in SECOND..SECOND + second {
            want.add(seq);
        }
        let digest = Digest::parse(field(&got, "digest").expect(&ctx)).expect(&ctx);
        assert_eq!(digest, want, "{ctx}");
        assert_eq!(field(&got, "end"), Some("disconnected"), "{ctx}");
    });
}

/// Consumer killed while the producer (another process) is blocked on the full ring: every push
/// form returns `Disconnected` (the ring is full and nobody will make room) instead of waiting,
/// having pushed exactly `capacity` messages. The consumer holds its role and never pops.
#[test]
fn killed_consumer_unblocks_a_producer_waiting_on_a_full_ring() {
    run_trials(20, |trial, rng| {
        let capacity = 1usize << rng.below(8);
        let (name, _cleanup, _ring) = fresh_ring("rku", capacity);
        let mode = MODES[rng.below(4) as usize];
        let wait = WAITS[rng.below(3) as usize];
        let mut holder = Peer::start(&["hold", &name, "consumer"]);
        let p = Peer::start(&["produce", &name, "0", mode, wait]);
        // Let the producer fill the ring and block (or not yet: it must work either way).
        std::thread::sleep(Duration::from_micros(rng.below(5000)));
        holder.kill();
        let out = p.finish();
        let ctx = format!("trial {trial}: capacity {capacity}, {mode} {wait}: {out:?}");
        assert_eq!(
            field(&out, "disconnected"),
            Some(capacity.to_string().as_str()),
            "{ctx}"
        );
    });
}

/// The documented rule, deterministically: a consumer that popped 3 messages by value and was
/// killed while holding an in-place chunk of the next 4 (read, not released) is replaced by one
/// that starts at message 3: the popped ones are not delivered again, the held ones are.
#[test]
fn a_chunk_held_at_death_is_delivered_again_and_popped_messages_are_not() {
    let (name, _cleanup, ring) = fresh_ring("rkh", 16);
    let mut p = ring.producer().expect("producer");
    for seq in 0..10 {
        p.try_push(quote(seq)).expect("room for 10");
    }
    kill_while_holding(&["take-and-hang", &name, "3", "4"]);
    let b = Peer::start(&["consume", &name, "block"]);
    for seq in 10..20 {
        p.push_timeout(quote(seq), Duration::from_secs(30))
            .expect("push");
    }
    drop(p);
    let got = b.finish();
    assert_eq!(field(&got, "first"), Some("3"), "{got:?}");
    let digest = Digest::parse(field(&got, "digest").expect("digest")).expect("digest");
    assert_eq!(digest, Digest::of_range(3, 20), "{got:?}");
}

/// And for the producer: one killed after 5 pushes while holding 4 reserved, written but
/// uncommitted slots leaves exactly messages 0..5 (the consumer then hears `Disconnected`, not
/// the written slots); a new producer's messages follow message 4 directly.
#[test]
fn an_uncommitted_chunk_at_death_is_never_delivered() {
    let (name, _cleanup, ring) = fresh_ring("rku2", 16);
    let mut c = ring.consumer().expect("consumer");
    kill_while_holding(&["reserve-and-hang", &name, "5", "4"]);
    pop_in_order(&mut c, 0..5, "a committed message");
    // Nothing more, and the death is reported (within the ring's liveness slices).
    assert_eq!(
        c.pop_timeout(Duration::from_secs(30)),
        Err(PopError::Disconnected)
    );
    let b = Peer::start(&["produce", &name, "3", "block", "from=100"]);
    assert_eq!(field(&b.finish(), "pushed"), Some("3"));
    pop_in_order(&mut c, 100..103, "the new producer's message");
    assert_eq!(
        c.pop_timeout(Duration::from_secs(30)),
        Err(PopError::Disconnected)
    );
}

/// Pops one message per number in `seqs` (each within 30 s, else fails with `what`) and checks
/// that they are `quote(seq)`, in order.
fn pop_in_order(c: &mut Consumer<Quote>, seqs: Range<u64>, what: &str) {
    for seq in seqs {
        let q = c.pop_timeout(Duration::from_secs(30)).expect(what);
        assert_eq!(q, quote(seq));
    }
}

/// Starts `ring_peer args…` (a `*-and-hang` command: `args[2]` operations done, then `args[3]`
/// slots held), waits until it says it holds them, and SIGKILLs it there.
fn kill_while_holding(args: &[&str; 4]) {
    let mut a = Peer::start(args);
    let holding = format!("holding {} {}", args[2], args[3]);
    assert_eq!(
        a.line(Duration::from_secs(30)).as_deref(),
        Some(holding.as_str())
    );
    a.kill();
}
