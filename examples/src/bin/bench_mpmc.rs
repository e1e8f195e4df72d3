//! Throughput and round trips of shmipc's `MpmcRing` beside baselines measured in the same run:
//! `SpscRing` (1→1), a `SharedMutex` guarding a plain ring in shared memory (the obvious
//! alternative between processes), and `Mutex<VecDeque>` between threads of one process.
//!
//! `cargo run --release -p shmipc-examples --bin bench_mpmc [-- --quick] [--rounds N] [--only SIZE:P]`
//!
//! Every process row spawns P producer and C consumer processes (this program again, with
//! `--peer …`), waits until all are attached, releases them at once and times until the last
//! consumer has received its share; the consumers' counts are checked against the total. Each
//! round runs every row once; a row shows the median over the rounds (min–max), and each ratio is
//! computed round by round against its baseline.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shmipc::prelude::*;
use shmipc::{MpmcRing, PopError, SharedMutex, SpscRing};

/// An 8-byte message.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little")]
struct M8 {
    seq: U64Le,
}

/// A 64-byte message.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little")]
struct M64 {
    seq: U64Le,
    rest: [U64Le; 7],
}

trait Msg: SharedLayout + Copy + Send + 'static {
    fn new(seq: u64) -> Self;
    fn seq(&self) -> u64;
}

impl Msg for M8 {
    fn new(seq: u64) -> Self {
        M8 { seq: seq.into() }
    }
    fn seq(&self) -> u64 {
        self.seq.get()
    }
}

impl Msg for M64 {
    fn new(seq: u64) -> Self {
        M64 {
            seq: seq.into(),
            rest: [seq.into(); 7],
        }
    }
    fn seq(&self) -> u64 {
        self.seq.get()
    }
}

const CAPACITY: usize = 256;
const MUTEX_SLOTS: usize = 64;

/// A plain bounded ring of up to 8-word messages, guarded by a `SharedMutex`.
#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "little")]
struct PlainRing {
    head: U64Le,
    tail: U64Le,
    producers_done: U64Le,
    words: [U64Le; 512],
}

/// One message through the mutex-guarded ring: `Some(true)` done, `Some(false)` full/empty,
/// `None` empty and every producer done.
fn mutex_op(
    m: &SharedMutex<PlainRing>,
    push: Option<u64>,
    words: usize,
    producers: u64,
) -> Option<bool> {
    let mut g = match m.lock() {
        Ok(g) => g,
        Err(e) => panic!("lock: {e}"),
    };
    // SAFETY: every process of this benchmark accesses the ring only under the lock.
    let r = unsafe { g.get_mut_in_place() };
    let (head, tail) = (r.head.get(), r.tail.get());
    let slot = |i: u64| (i as usize % MUTEX_SLOTS) * 8;
    match push {
        Some(seq) => {
            if tail - head == MUTEX_SLOTS as u64 {
                return Some(false);
            }
            let s = slot(tail);
            for w in 0..words {
                r.words[s + w] = seq.into();
            }
            r.tail = (tail + 1).into();
            Some(true)
        }
        None => {
            if tail == head {
                return if r.producers_done.get() == producers {
                    None
                } else {
                    Some(false)
                };
            }
            let s = slot(head);
            let mut x = 0;
            for w in 0..words {
                x ^= r.words[s + w].get();
            }
            std::hint::black_box(x);
            r.head = (head + 1).into();
            Some(true)
        }
    }
}

fn peer(args: &[String]) {
    let (kind, name, role, count, size, producers) = (
        args[0].as_str(),
        args[1].as_str(),
        args[2].as_str(),
        args[3].parse::<u64>().unwrap(),
        args[4].as_str(),
        args[5].parse::<u64>().unwrap(),
    );
    match size {
        "8" => peer_typed::<M8>(kind, name, role, count, 1, producers),
        _ => peer_typed::<M64>(kind, name, role, count, 8, producers),
    }
}

fn ready_then_go() {
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}

/// The `produce` and `echo` roles of a peer on the ring type `$ring` (`MpmcRing` or `SpscRing`:
/// the same calls on their handles, without a trait in common), for `T` of the caller; and
/// `ping`, the parent's side of the round trips (`$start` starts the echo peer: `(child, out)`).
macro_rules! ring_role {
    (ping $ring:ident, $name:expr, $back:expr, $n:expr, $start:expr) => {{
        let a = $ring::<T>::create($name, CAPACITY).unwrap();
        let b = $ring::<T>::create($back, CAPACITY).unwrap();
        let (mut p, mut c) = (a.producer().unwrap(), b.consumer().unwrap());
        let (child, _out) = $start;
        let e = ping_pong($n, |m| p.push(m).unwrap(), || c.pop().unwrap());
        drop(p);
        wait(child);
        e
    }};
    (produce $ring:ident, $name:expr, $count:expr) => {{
        let ring = $ring::<T>::open($name).unwrap();
        let mut p = ring.producer().unwrap();
        ready_then_go();
        (0..$count).for_each(|i| p.push(T::new(i)).unwrap());
    }};
    (echo $ring:ident, $name:expr) => {{
        let name = $name;
        let (a, b) = (
            $ring::<T>::open(name).unwrap(),
            $ring::<T>::open(&format!("{name}b")).unwrap(),
        );
        let (mut c, mut p) = (a.consumer().unwrap(), b.producer().unwrap());
        ready_then_go();
        while let Ok(m) = c.pop() {
            p.push(m).unwrap();
        }
    }};
}

fn peer_typed<T: Msg>(
    kind: &str,
    name: &str,
    role: &str,
    count: u64,
    words: usize,
    producers: u64,
) {
    let mut got = 0u64;
    match (kind, role) {
        ("mpmc", "produce") => ring_role!(produce MpmcRing, name, count),
        ("mpmc", "consume") => {
            let ring = MpmcRing::<T>::open(name).unwrap();
            let mut c = ring.consumer().unwrap();
            ready_then_go();
            loop {
                match c.pop() {
                    Ok(m) => {
                        std::hint::black_box(m.seq());
                        got += 1;
                    }
                    Err(PopError::Disconnected) => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        ("mpmc", "echo") => ring_role!(echo MpmcRing, name),
        ("spsc", "produce") => ring_role!(produce SpscRing, name, count),
        ("spsc", "consume") => {
            let ring = SpscRing::<T>::open(name).unwrap();
            let mut c = ring.consumer().unwrap();
            ready_then_go();
            while let Ok(m) = c.pop() {
                std::hint::black_box(m.seq());
                got += 1;
            }
        }
        ("spsc", "echo") => ring_role!(echo SpscRing, name),
        ("mutex", "produce") => {
            let m = SharedMutex::<PlainRing>::open(name).unwrap();
            ready_then_go();
            for i in 0..count {
                while mutex_op(&m, Some(i), words, producers) == Some(false) {
                    std::thread::yield_now();
                }
            }
            let mut g = m.lock().unwrap_or_else(|e| panic!("{e}"));
            // SAFETY: under the lock, as every access of this benchmark.
            let r = unsafe { g.get_mut_in_place() };
            r.producers_done = (r.producers_done.get() + 1).into();
        }
        ("mutex", "consume") => {
            let m = SharedMutex::<PlainRing>::open(name).unwrap();
            ready_then_go();
            while let Some(done) = mutex_op(&m, None, words, producers) {
                if done {
                    got += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        }
        other => panic!("unknown peer {other:?}"),
    }
    println!("got {got}");
}

/// Spawns the peers, releases them together, returns the seconds until all ended and the
/// messages the consumers counted.
fn run_procs(kind: &str, name: &str, size: &str, p: u64, c: u64, per_producer: u64) -> (f64, u64) {
    let exe = std::env::current_exe().unwrap();
    let spawn = |role: &str| -> (Child, BufReader<std::process::ChildStdout>) {
        let mut child = Command::new(&exe)
            .args([
                "--peer",
                kind,
                name,
                role,
                &per_producer.to_string(),
                size,
                &p.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "peer {kind} {role} did not start");
        (child, out)
    };
    let mut peers: Vec<_> = (0..c).map(|_| spawn("consume")).collect();
    peers.extend((0..p).map(|_| spawn("produce")));
    let start = Instant::now();
    for (child, _) in &mut peers {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let mut total = 0;
    for (mut child, mut out) in peers {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        total += line
            .trim()
            .strip_prefix("got ")
            .unwrap()
            .parse::<u64>()
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
    (start.elapsed().as_secs_f64(), total)
}

/// `Mutex<VecDeque>` between `p` producer and `c` consumer threads.
fn run_threads<T: Msg>(p: u64, c: u64, per_producer: u64) -> (f64, u64) {
    let q = Arc::new((
        Mutex::new(VecDeque::<T>::with_capacity(CAPACITY)),
        Mutex::new(0u64),
    ));
    let start = Instant::now();
    let cs: Vec<_> = (0..c)
        .map(|_| {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                let mut got = 0u64;
                loop {
                    let m = q.0.lock().unwrap().pop_front();
                    match m {
                        Some(m) => {
                            std::hint::black_box(m.seq());
                            got += 1;
                        }
                        None if *q.1.lock().unwrap() == p => {
                            if q.0.lock().unwrap().is_empty() {
                                return got;
                            }
                        }
                        None => std::thread::yield_now(),
                    }
                }
            })
        })
        .collect();
    let ps: Vec<_> = (0..p)
        .map(|_| {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                for i in 0..per_producer {
                    loop {
                        let mut g = q.0.lock().unwrap();
                        if g.len() < CAPACITY {
                            g.push_back(T::new(i));
                            break;
                        }
                        drop(g);
                        std::thread::yield_now();
                    }
                }
                *q.1.lock().unwrap() += 1;
            })
        })
        .collect();
    ps.into_iter().for_each(|t| t.join().unwrap());
    let total = cs.into_iter().map(|t| t.join().unwrap()).sum();
    (start.elapsed().as_secs_f64(), total)
}

/// Mean round trip (µs) of `n` messages parent → echo peer → parent.
fn round_trip<T: Msg>(kind: &str, name: &str, size: &str, n: u64) -> f64 {
    let back = format!("{name}b");
    let exe = std::env::current_exe().unwrap();
    let go = |mut child: Child| {
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        (child, out)
    };
    let spawn = || {
        Command::new(&exe)
            .args(["--peer", kind, name, "echo", "0", size, "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The peer echoes until the parent's producer is dropped.
    let elapsed = if kind == "mpmc" {
        ring_role!(ping MpmcRing, name, &back, n, go(spawn()))
    } else {
        ring_role!(ping SpscRing, name, &back, n, go(spawn()))
    };
    elapsed.as_secs_f64() * 1e6 / n as f64
}

/// `n` messages out with `push` and back with `pop`, one at a time; the time they took.
fn ping_pong<T: Msg>(n: u64, mut push: impl FnMut(T), mut pop: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        push(T::new(i));
        assert_eq!(pop().seq(), i);
    }
    start.elapsed()
}

fn wait(mut child: Child) {
    assert!(child.wait().unwrap().success());
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn show(label: &str, v: &[f64], unit: &str) {
    let mut s = v.to_vec();
    let m = median(&mut s);
    println!(
        "| {label} | {m:.2} {unit} | {:.2}–{:.2} |",
        s[0],
        s[s.len() - 1]
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--peer") {
        return peer(&args[1..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(if quick { 3 } else { 5 });
    let total: u64 = if quick { 100_000 } else { 400_000 };
    let name = format!("/shmipc-bench-mpmc-{}", std::process::id());
    println!(
        "bench_mpmc: {rounds} rounds, {total} messages per row, capacity {CAPACITY}, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // `--only SIZE:P` (e.g. `64:2`): one configuration.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    for size in ["8", "64"] {
        for (p, c) in [(1u64, 1u64), (2, 2), (4, 4)] {
            if only.as_ref().is_some_and(|o| *o != format!("{size}:{p}")) {
                continue;
            }
            let per = total / p;
            let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
            let mut add = |label: String, rate: f64| match rows.iter_mut().find(|r| r.0 == label) {
                Some(r) => r.1.push(rate),
                None => rows.push((label, vec![rate])),
            };
            for _ in 0..rounds {
                let mrate = {
                    let ring: Box<dyn std::any::Any> = if size == "8" {
                        Box::new(MpmcRing::<M8>::create(&name, CAPACITY).unwrap())
                    } else {
                        Box::new(MpmcRing::<M64>::create(&name, CAPACITY).unwrap())
                    };
                    let (t, n) = run_procs("mpmc", &name, size, p, c, per);
                    assert_eq!(n, per * p, "mpmc: every message");
                    drop(ring);
                    n as f64 / t / 1e6
                };
                add(format!("MpmcRing, {p}→{c} processes"), mrate);
                let xrate = {
                    let m = SharedMutex::<PlainRing>::create(&name).unwrap();
                    let (t, n) = run_procs("mutex", &name, size, p, c, per);
                    assert_eq!(n, per * p, "mutex: every message");
                    drop(m);
                    n as f64 / t / 1e6
                };
                add(
                    format!("SharedMutex + plain ring, {p}→{c} processes"),
                    xrate,
                );
                add("  MpmcRing × SharedMutex ring".to_string(), mrate / xrate);
                let (t, n) = if size == "8" {
                    run_threads::<M8>(p, c, per)
                } else {
                    run_threads::<M64>(p, c, per)
                };
                assert_eq!(n, per * p);
                let trate = n as f64 / t / 1e6;
                add(format!("Mutex<VecDeque>, {p}→{c} threads"), trate);
                add(
                    "  MpmcRing processes × Mutex<VecDeque> threads".to_string(),
                    mrate / trate,
                );
                if p == 1 {
                    let srate = {
                        let ring: Box<dyn std::any::Any> = if size == "8" {
                            Box::new(SpscRing::<M8>::create(&name, CAPACITY).unwrap())
                        } else {
                            Box::new(SpscRing::<M64>::create(&name, CAPACITY).unwrap())
                        };
                        let (t, n) = run_procs("spsc", &name, size, 1, 1, per);
                        assert_eq!(n, per);
                        drop(ring);
                        n as f64 / t / 1e6
                    };
                    add("SpscRing, 1→1 processes".to_string(), srate);
                    add("  MpmcRing × SpscRing".to_string(), mrate / srate);
                    let n = if quick { 5_000 } else { 20_000 };
                    let (rm, rs) = if size == "8" {
                        (
                            round_trip::<M8>("mpmc", &name, size, n),
                            round_trip::<M8>("spsc", &name, size, n),
                        )
                    } else {
                        (
                            round_trip::<M64>("mpmc", &name, size, n),
                            round_trip::<M64>("spsc", &name, size, n),
                        )
                    };
                    add("round trip µs, MpmcRing".to_string(), rm);
                    add("round trip µs, SpscRing".to_string(), rs);
                }
            }
            println!(
                "\n{size}-byte messages, {p}→{c}:\n\n| row | median (M msg/s, µs or ×) | min–max |\n| --- | ---: | --- |"
            );
            for (label, v) in &rows {
                show(label, v, "");
            }
        }
    }
}
