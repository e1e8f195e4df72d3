//! The quickstart's ring act: a producer process streams `Tick`s through an `SpscRing` to a
//! consumer process, then they play ping-pong over two rings; the same over a Unix socket pair,
//! in the same run, for comparison.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shmipc::SpscRing;
use shmipc_schemas::Tick;

use crate::ring_bench::channel::{self, Rate, RoundTrips, STOP};
use crate::ring_bench::messages::Message;
use crate::ring_bench::pin;
use crate::ring_bench::stats::Latency;
use crate::ring_bench::stream::{Stream, inheritable, socket_pair};

/// Ticks streamed through the ring.
const RING_TICKS: u64 = 2_000_000;
/// Ticks streamed through the socket (fewer: it is slower).
const SOCKET_TICKS: u64 = 200_000;
/// Timed round trips on each, after a warm-up lap.
const ROUND_TRIPS: u64 = 20_000;
const WARMUP: u64 = 1_100;
const CAPACITY: usize = 1024;

// SAFETY: `Tick` is `#[derive(SharedLayout)]` (no padding, proven) and holds only endian
// integers and bytes, valid for every bit pattern.
unsafe impl Message for Tick {
    fn new(seq: u64) -> Self {
        Tick {
            seq: seq.into(),
            ts_ns: 1_764_115_200_000_000_000.into(),
            price_e6: 187_250_000.into(),
            qty: 300.into(),
            venue: *b"XNAS",
        }
    }
    fn seq(&self) -> u64 {
        self.seq.get()
    }
    fn set_seq(&mut self, seq: u64) {
        self.seq.set(seq);
    }
}

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The producer's side (the quickstart's main process): creates the rings `{base}-ring` and
/// `{base}-pong`, starts `quickstart --ring-peer` as the consumer, measures, prints a table.
pub fn act(base: &str) -> Result<()> {
    let (ring_name, pong_name) = (format!("{base}-ring"), format!("{base}-pong"));
    let ring = SpscRing::<Tick>::create(&ring_name, CAPACITY)?;
    let pong = SpscRing::<Tick>::create(&pong_name, CAPACITY)?;
    let (mut producer, mut answers) = (ring.producer()?, pong.consumer()?);
    let (mine, theirs): (OwnedFd, OwnedFd) = socket_pair();

    let cores = pin::choose();
    let pinning = pin::pin_or_warn(&cores, cores.main);
    let fd = inheritable(&theirs).to_string();
    let peer_cpu = cores.peer.to_string();
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--ring-peer", &ring_name, &pong_name, &fd, &peer_cpu])
        .stdout(Stdio::piped())
        .spawn()?;
    drop(theirs);
    let mut from_peer = BufReader::new(child.stdout.take().ok_or("no pipe to the consumer")?);
    let mut line = || -> Result<String> {
        let mut l = String::new();
        from_peer.read_line(&mut l)?;
        Ok(l.trim().to_string())
    };
    if line()? != "ready" {
        return Err("the consumer process did not start".into());
    }
    println!(
        "producer (pid {}) and consumer (pid {}) {}; {}-byte `Tick`s, every one checked in order",
        std::process::id(),
        child.id(),
        match &pinning {
            None => format!("pinned to cores {} and {}", cores.main, cores.peer),
            Some(why) => format!("not pinned ({why})"),
        },
        size_of::<Tick>(),
    );

    // The ring: a stream (the consumer times it), then round trips over the two rings.
    let mut tick = Tick::new(0);
    for seq in 0..RING_TICKS {
        tick.seq = seq.into();
        producer.push(tick)?;
    }
    let ring_rate: f64 = line()?.parse()?;
    let run = RoundTrips {
        warmup: WARMUP,
        n: ROUND_TRIPS,
        limit: Duration::from_secs(2),
        gap: Duration::ZERO,
    };
    let mut failure = None;
    let ring_rt = Latency::of(channel::time_round_trips(run, |seq| {
        tick.seq = seq.into();
        let back = producer
            .push(tick)
            .map_err(|e| e.to_string())
            .and_then(|()| answers.pop().map_err(|e| e.to_string()));
        match back {
            Ok(t) if t.seq.get() == seq => {}
            Ok(_) => failure = Some("a round trip returned another Tick".to_string()),
            Err(e) => failure = Some(e),
        }
    }));
    if let Some(e) = failure {
        return Err(e.into());
    }
    tick.seq = STOP.into();
    producer.push(tick)?;

    // The socket: the same, in the same run.
    let mut socket = Stream::<Tick>::new(mine);
    let mut socket_rx = socket.try_clone();
    channel::produce(&mut socket, SOCKET_TICKS, false);
    let socket_rate: f64 = line()?.parse()?;
    let socket_rt = Latency::of(channel::ping(&mut socket, &mut socket_rx, run));
    if !child.wait()?.success() {
        return Err("the consumer process failed".into());
    }

    println!();
    println!("| between two processes | messages/s | round trip p50 | round trip p99 |");
    println!("| --- | ---: | ---: | ---: |");
    for (what, rate, rt) in [
        ("shmipc `SpscRing<Tick>` (push/pop)", ring_rate, ring_rt),
        ("Unix socket pair (write/read)", socket_rate, socket_rt),
    ] {
        println!(
            "| {what} | {:.2} M | {:.2} µs | {:.2} µs |",
            rate / 1e6,
            rt.p50 / 1e3,
            rt.p99 / 1e3
        );
    }
    println!(
        "the ring carried {:.0}× the socket's messages per second; its median round trip is {:.0}× shorter.",
        ring_rate / socket_rate,
        socket_rt.p50 / ring_rt.p50
    );
    Ok(())
}

/// The consumer's side: `quickstart --ring-peer RING PONG SOCKET_FD CORE`.
pub fn peer(args: &[String]) -> Result<()> {
    let [ring_name, pong_name, fd, cpu] = args else {
        return Err("usage: quickstart --ring-peer RING PONG SOCKET_FD CORE".into());
    };
    crate::ring_bench::peer::die_with_parent();
    if let Ok(cpu) = cpu.parse() {
        let _ = pin::pin_current_thread(cpu);
    }
    // Two lines of a user's program: open (the layout is checked) and claim the role.
    let mut consumer = SpscRing::<Tick>::open(ring_name)?.consumer()?;
    let mut answer = SpscRing::<Tick>::open(pong_name)?.producer()?;
    let mut socket = Stream::<Tick>::inherited(fd.parse()?);
    let mut socket_tx = socket.try_clone();
    say("ready")?;

    // Timed like the socket below: from the first delivery to the last.
    let first = consumer.pop()?;
    let start = Instant::now();
    for expected in first.seq.get() + 1..RING_TICKS {
        if consumer.pop()?.seq.get() != expected {
            return Err(format!("Tick {expected} lost or out of order").into());
        }
    }
    let rate = (RING_TICKS - 1) as f64 / start.elapsed().as_secs_f64();
    say(&rate.to_string())?;
    loop {
        let tick = consumer.pop()?;
        answer.push(tick)?;
        if tick.seq.get() == STOP {
            break;
        }
    }

    let Rate { took_s, .. } = channel::consume(&mut socket, SOCKET_TICKS, false);
    say(&((SOCKET_TICKS - 1) as f64 / took_s).to_string())?;
    channel::pong(&mut socket, &mut socket_tx);
    Ok(())
}

fn say(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
