//! Benchmarks of the sync primitives beside the obvious design, a POSIX named semaphore
//! (`sem_open` / `sem_wait` / `sem_post`) guarding the same data, measured in the same run. Why
//! shmipc's lock is its own futex word instead: `docs/architecture.md`, "Decisions".
//!
//! `cargo run --release -p shmipc-examples --bin bench_sync` (`-- --seqlock-reads`: only the rows
//! of seqlock reads while another process writes; `-- --icount read|write N`: N seqlock reads or
//! writes alone, for `valgrind --tool=callgrind`)
//!
//! Prints medians of several runs, in nanoseconds per operation, and the ratio semaphore / shmipc
//! (above 1: shmipc is faster). No assertions: numbers depend on the machine and its load.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Instant;

use shmipc::{
    RawSegment, SegmentKind, SegmentOptions, SegmentSpec, SeqLock, SharedLayout, SharedMutex,
    WaitCell,
};
use shmipc_examples::sem_lock::SemLock;
use shmipc_schemas::{Ping, SensorFrame};

const RUNS: usize = 7;
const UNCONTENDED: u64 = 2_000_000;
const CONTENDED: u64 = 300_000;
const SEQ_OPS: u64 = 1_000_000;
const ROUND_TRIPS: u64 = 20_000;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

/// Nanoseconds per operation of `f(n)`, median over RUNS.
fn ns_per_op(n: u64, mut f: impl FnMut(u64)) -> f64 {
    median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                f(n);
                t.elapsed().as_nanos() as f64 / n as f64
            })
            .collect(),
    )
}

/// Starts a child role and waits until it is set up (it prints a line).
fn spawn(args: &[&str]) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(c.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    c
}

fn ready() {
    println!("ready");
    std::io::stdout().flush().unwrap();
}

fn bump_sem(s: &SemLock, n: u64) {
    for _ in 0..n {
        // SAFETY: the data region holds at least a u64 at offset 0, accessed only under the lock.
        s.with(|p| unsafe { *p.cast::<u64>() += 1 });
    }
}

fn bump_mutex(m: &SharedMutex<Ping>, n: u64) {
    for _ in 0..n {
        let mut g = m.lock().unwrap();
        g.seq += 1;
    }
}

/// Writes up to `n` frames stamped `0..n`, paced by `pace` (see [`pacer`]), until `stopped` says
/// the reader is done.
fn write_paced(
    n: u64,
    pace: impl Fn(u64),
    stopped: impl Fn() -> bool,
    mut write: impl FnMut(&SensorFrame),
) {
    let mut f = SensorFrame::default();
    for i in 0..n {
        if stopped() {
            break;
        }
        pace(i);
        f.ts_ns = i.into();
        write(&f);
    }
}

/// Returns a function that busy-waits until write `i` is due, `pace_ns` apart (0: never waits).
fn pacer(pace_ns: &str) -> impl Fn(u64) {
    let pace: u64 = pace_ns.parse().unwrap();
    let start = Instant::now();
    move |i| {
        while pace != 0 && (start.elapsed().as_nanos() as u64) < i * pace {
            std::hint::spin_loop();
        }
    }
}

/// A wait cell at the start of a segment (kind Value, sized for a `Ping`).
fn cell_segment(name: &str, create: bool) -> RawSegment {
    let o = SegmentOptions::default();
    if create {
        RawSegment::create(
            name,
            &SegmentSpec::new(SegmentKind::Value, Ping::LAYOUT, 64),
            &o,
        )
        .unwrap()
    } else {
        RawSegment::open(
            name,
            &SegmentSpec::new(SegmentKind::Value, Ping::LAYOUT, 64),
            &o,
        )
        .unwrap()
    }
}

fn cell(seg: &RawSegment) -> &WaitCell {
    // SAFETY: the payload is 64-aligned, 64 bytes, lives as long as `seg`, and its first 8 bytes
    // are only ever accessed as a WaitCell.
    unsafe { WaitCell::from_ptr(seg.payload().as_ptr()) }
}

/// Ping-pong on one wait cell: odd values are pings, even values pongs.
fn ping_pong_cell(c: &WaitCell, n: u64, ping: bool) {
    for i in 0..n {
        let (mine, theirs) = (2 * i as u32 + 1, 2 * i as u32 + 2);
        if ping {
            c.store(mine);
            c.wait_while(|v| v != theirs, None).unwrap();
        } else {
            c.wait_while(|v| v != mine, None).unwrap();
            c.store(theirs);
        }
    }
}

/// Ping-pong on two named semaphores (the baseline's signalling).
fn ping_pong_sem(a: &SemLock, b: &SemLock, n: u64) {
    for _ in 0..n {
        a.post();
        b.wait();
    }
}

/// `--icount read|write N`: N seqlock reads (or writes) of a `SensorFrame` in this process and
/// nothing else, for instruction counts: run it under `valgrind --tool=callgrind` with two values
/// of N and divide the difference of the totals by the difference of the Ns.
fn icount(args: &[String]) {
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let name = format!("/shmipc-bench-{}-icount", std::process::id());
    let mut s = SeqLock::<SensorFrame>::create(&name).unwrap();
    let frame = SensorFrame::default();
    s.write(&frame).unwrap();
    let reads = args.first().map(String::as_str) != Some("write");
    for _ in 0..n {
        if reads {
            std::hint::black_box(s.read().unwrap());
        } else {
            s.write(std::hint::black_box(&frame)).unwrap();
        }
    }
}

fn child(args: &[String]) {
    let name = &args[1];
    let n: u64 = args[2].parse().unwrap();
    match args[0].as_str() {
        "child-mutex" => {
            let m = SharedMutex::<Ping>::open(name).unwrap();
            ready();
            bump_mutex(&m, n);
        }
        "child-sem" => {
            let s = SemLock::new(name, 4096, false);
            ready();
            bump_sem(&s, n);
        }
        "child-seq-write" => {
            let mut s = SeqLock::<SensorFrame>::open(name).unwrap();
            let flag = SemLock::new(&args[3], 4096, false);
            let pace = pacer(&args[4]);
            s.write(&SensorFrame::default()).unwrap();
            ready();
            write_paced(n, pace, || flag.stopped(), |f| s.write(f).unwrap());
        }
        "child-sem-write" => {
            let s = SemLock::new(name, 4096, false);
            let pace = pacer(&args[4]);
            ready();
            write_paced(
                n,
                pace,
                || s.stopped(),
                |f| {
                    // SAFETY: the region holds a SensorFrame at offset 0 (4096 bytes), under the lock.
                    s.with(|p| unsafe { p.cast::<SensorFrame>().write_unaligned(*f) });
                },
            );
        }
        // Read until the stop flag (the flag lives in the mapping named by args[3]).
        "child-seq-read" => {
            let s = SeqLock::<SensorFrame>::open(name).unwrap();
            let flag = SemLock::new(&args[3], 4096, false);
            ready();
            while !flag.stopped() {
                std::hint::black_box(s.read().unwrap());
            }
        }
        "child-sem-read" => {
            let s = SemLock::new(name, 4096, false);
            ready();
            while !s.stopped() {
                // SAFETY: the region holds a SensorFrame at offset 0, read only under the lock.
                std::hint::black_box(
                    s.with(|p| unsafe { p.cast::<SensorFrame>().read_unaligned() }),
                );
            }
        }
        "child-pong-cell" => {
            let seg = cell_segment(name, false);
            ready();
            ping_pong_cell(cell(&seg), n, false);
        }
        "child-pong-sem" => {
            let (a, b) = (
                SemLock::new(name, 4096, false),
                SemLock::new(&args[3], 4096, false),
            );
            ready();
            ping_pong_sem(&b, &a, n);
        }
        other => panic!("unknown child role {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--icount") {
        return icount(&args[1..]);
    }
    // `--seqlock-reads`: only the two rows of seqlock reads while another process writes.
    let all = args.first().map(String::as_str) != Some("--seqlock-reads");
    if all && !args.is_empty() {
        return child(&args);
    }
    let base = format!("/shmipc-bench-{}", std::process::id());
    let (mx, sem, seq, sem2) = (
        format!("{base}-mutex"),
        format!("{base}-sem"),
        format!("{base}-seq"),
        format!("{base}-sem2"),
    );
    let m = SharedMutex::<Ping>::create(&mx).unwrap();
    let s = SemLock::new(&sem, 4096, true);
    let mut sl = SeqLock::<SensorFrame>::create(&seq).unwrap();
    let s2 = SemLock::new(&sem2, 4096, true);
    let mut rows: Vec<(&str, f64, f64)> = Vec::new();

    if all {
        rows.push((
            "uncontended lock+unlock (1 process)",
            ns_per_op(UNCONTENDED, |n| bump_mutex(&m, n)),
            ns_per_op(UNCONTENDED, |n| bump_sem(&s, n)),
        ));

        // Both processes increment n times; the clock starts when both are ready, so they contend
        // throughout. Reported per increment (2n in total).
        let contended = |role: &str, name: &str, own: &dyn Fn(u64)| {
            median(
                (0..RUNS)
                    .map(|_| {
                        let mut c = spawn(&[role, name, &CONTENDED.to_string()]);
                        let t = Instant::now();
                        own(CONTENDED);
                        c.wait().unwrap();
                        t.elapsed().as_nanos() as f64 / (2 * CONTENDED) as f64
                    })
                    .collect(),
            )
        };
        rows.push((
            "contended lock+unlock (2 processes, per op)",
            contended("child-mutex", &mx, &|n| bump_mutex(&m, n)),
            contended("child-sem", &sem, &|n| bump_sem(&s, n)),
        ));
    }
    let frame = SensorFrame::default();
    if all {
        rows.push((
            "seqlock write, 208 B (no readers)",
            ns_per_op(SEQ_OPS, |n| {
                for _ in 0..n {
                    sl.write(&frame).unwrap();
                }
            }),
            ns_per_op(SEQ_OPS, |n| {
                for _ in 0..n {
                    // SAFETY: the region holds 4096 bytes, written only under the lock.
                    s2.with(|p| unsafe { p.cast::<SensorFrame>().write_unaligned(frame) });
                }
            }),
        ));
    }
    let read_seq = |sl: &SeqLock<SensorFrame>, n: u64| {
        for _ in 0..n {
            std::hint::black_box(sl.read().unwrap());
        }
    };
    let read_sem = |n: u64| {
        for _ in 0..n {
            // SAFETY: the region holds a SensorFrame at offset 0, read only under the lock.
            std::hint::black_box(s2.with(|p| unsafe { p.cast::<SensorFrame>().read_unaligned() }));
        }
    };
    if all {
        rows.push((
            "seqlock read, 208 B (no writer)",
            ns_per_op(SEQ_OPS, |n| read_seq(&sl, n)),
            ns_per_op(SEQ_OPS, read_sem),
        ));
        // The writer's side: does a reader slow it down? (The seqlock writer never waits.)
        let reader_busy = |name: &str, role: &str, write: &mut dyn FnMut(u64)| {
            ns_per_op(SEQ_OPS, |n| {
                s2.stop_flag().store(0, Ordering::Relaxed);
                let mut c = spawn(&[role, name, "0", &sem2]);
                write(n);
                s2.stop_flag().store(1, Ordering::Relaxed);
                c.wait().unwrap();
            })
        };
        rows.push((
            "seqlock write, another process reads flat out",
            reader_busy(&seq, "child-seq-read", &mut |n| {
                for _ in 0..n {
                    sl.write(&frame).unwrap();
                }
            }),
            reader_busy(&sem2, "child-sem-read", &mut |n| {
                for _ in 0..n {
                    // SAFETY: the region holds 4096 bytes, written only under the lock.
                    s2.with(|p| unsafe { p.cast::<SensorFrame>().write_unaligned(frame) });
                }
            }),
        ));
    }
    sl.release_writer(); // the child writes now
    // The writer stops at a flag (killing it could leave the semaphore held forever: the very
    // failure this crate fixes).
    let writer_busy = |name: &str, role: &str, pace: &str, read: &dyn Fn(u64)| {
        ns_per_op(SEQ_OPS, |n| {
            s2.stop_flag().store(0, Ordering::Relaxed);
            let mut c = spawn(&[role, name, "1000000000", &sem2, pace]);
            read(n);
            s2.stop_flag().store(1, Ordering::Relaxed);
            c.wait().unwrap();
        })
    };
    rows.push((
        "seqlock read, another process writes 1/us",
        writer_busy(&seq, "child-seq-write", "1000", &|n| read_seq(&sl, n)),
        writer_busy(&sem2, "child-sem-write", "1000", &read_sem),
    ));
    rows.push((
        "seqlock read, another process writes flat out",
        writer_busy(&seq, "child-seq-write", "0", &|n| read_seq(&sl, n)),
        writer_busy(&sem2, "child-sem-write", "0", &read_sem),
    ));

    if all {
        // Wake-up round trips between two processes: a wait cell (adaptive spin, then futex) against
        // two named semaphores (futex sleep every time a side waits).
        let (cellname, pa, pb) = (
            format!("{base}-cell"),
            format!("{base}-pa"),
            format!("{base}-pb"),
        );
        let seg = cell_segment(&cellname, true);
        let (sa, sb) = (SemLock::new(&pa, 4096, true), SemLock::new(&pb, 4096, true));
        // Fresh semaphores start at 1 (the lock's initial value); take that unit so that they
        // start empty and work as signals.
        sa.wait();
        sb.wait();
        let round_trips = |role: &str, run: &dyn Fn(u64)| {
            median(
                (0..RUNS)
                    .map(|_| {
                        cell(&seg).store(0);
                        let mut c = spawn(&[role, &cellname, &ROUND_TRIPS.to_string(), &pb]);
                        let t = Instant::now();
                        run(ROUND_TRIPS);
                        let e = t.elapsed();
                        c.wait().unwrap();
                        e.as_nanos() as f64 / ROUND_TRIPS as f64
                    })
                    .collect(),
            )
        };
        let ours = round_trips("child-pong-cell", &|n| ping_pong_cell(cell(&seg), n, true));
        let baseline = median(
            (0..RUNS)
                .map(|_| {
                    let mut c = spawn(&["child-pong-sem", &pa, &ROUND_TRIPS.to_string(), &pb]);
                    let t = Instant::now();
                    ping_pong_sem(&sa, &sb, ROUND_TRIPS);
                    let e = t.elapsed();
                    c.wait().unwrap();
                    e.as_nanos() as f64 / ROUND_TRIPS as f64
                })
                .collect(),
        );
        rows.push(("wake-up round trip between 2 processes", ours, baseline));
        drop((seg, sa, sb));
        SemLock::unlink(&pa);
        SemLock::unlink(&pb);
    }

    println!(
        "{:<46} {:>12} {:>14} {:>8}",
        "operation (median of 7 runs)", "shmipc ns/op", "semaphore ns/op", "ratio"
    );
    for (what, ours, baseline) in &rows {
        println!(
            "{what:<46} {ours:>12.1} {baseline:>14.1} {:>7.1}x",
            baseline / ours
        );
    }
    drop((m, s, s2, sl)); // the creator handles unlink the shmipc segments
    SemLock::unlink(&sem);
    SemLock::unlink(&sem2);
}
