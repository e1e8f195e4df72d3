//! Throughput and round trips of shmipc's `SpscRing` beside baselines measured in the same run:
//! a hand-written minimal shared-memory ring, one cache line bounced between the processes, a
//! Unix socket pair, pipes, `rtrb` between two threads, the seed's semaphore ring, memcpy.
//!
//! `cargo run --release -p shmipc-examples --bin bench_ring [-- --quick]`
//!
//! Two processes (this program starts itself again as the peer) pinned to two cores; a
//! calibration round sizes every measurement, then several interleaved rounds each run every
//! contender once, in turn, so machine noise hits all of them. Prints Markdown tables: medians
//! over the rounds with min–max ranges; every ratio is computed round by round against the
//! baseline of the same round. Only delivered messages are counted. See BENCHMARKS.md.

use std::time::{Duration, Instant};

use shmipc_examples::ring_bench::kind::Kind;
use shmipc_examples::ring_bench::report::{self, Results};
use shmipc_examples::ring_bench::{channel, peer, pin, plan, runner, shmipc_ring};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--peer") {
        return peer::main(&args[1..]);
    }
    let mut quick = false;
    let mut nice = false;
    let mut only: Option<Vec<String>> = None;
    let (mut rounds_arg, mut ms_arg) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--nice" => nice = true,
            "--only" => {
                only = it
                    .next()
                    .map(|l| l.split(',').map(str::to_string).collect())
            }
            "--rounds" => rounds_arg = it.next().and_then(|v| v.parse::<usize>().ok()),
            "--ms" => ms_arg = it.next().and_then(|v| v.parse::<u64>().ok()),
            other => {
                eprintln!(
                    "bench_ring: unknown argument {other}; usage: bench_ring [--quick] [--only minimal,shmipc,bounce,memcpy,…] [--rounds N] [--ms MS_PER_MEASUREMENT] [--nice]"
                );
                std::process::exit(2);
            }
        }
    }
    let (rounds, target, idle_window) = if quick {
        (3, Duration::from_millis(5), Duration::from_millis(200))
    } else {
        (7, Duration::from_millis(60), Duration::from_secs(1))
    };
    let rounds = rounds_arg.unwrap_or(rounds).max(1);
    let target = ms_arg.map_or(target, Duration::from_millis);
    let started = Instant::now();
    let load_before = load_average();

    let cores = pin::choose();
    let pinning = match pin::pin_or_warn(&cores, cores.main) {
        None => format!(
            "pinned: measuring process on core {}, peer on core {}",
            cores.main, cores.peer
        ),
        Some(why) => format!("NOT PINNED ({why}); results are noisier"),
    };
    let priority = if nice {
        // Children inherit it. Fewer preemptions by other work on a shared machine.
        // SAFETY: setpriority changes only this process's scheduling priority.
        match unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -10) } {
            0 => "; both processes at nice -10 (--nice)".to_string(),
            _ => format!(
                "; could not raise the priority ({})",
                std::io::Error::last_os_error()
            ),
        }
    } else {
        String::new()
    };
    let ctx = runner::Ctx::new(cores);
    let tests = plan::select(plan::tests(), only.as_deref());
    eprintln!("bench_ring: calibrating {} measurements…", tests.len());
    let counts = plan::calibrate(&ctx, &tests, target);
    eprintln!("bench_ring: {rounds} rounds…");
    let outcomes = plan::rounds(&ctx, &tests, &counts, rounds, target * 4);
    eprintln!("bench_ring: idle consumers…");
    let mut idle_kinds = vec![Kind::Semaphore, Kind::Socket];
    if shmipc_ring::AVAILABLE {
        idle_kinds.insert(0, Kind::ShmipcBlocking);
    }
    idle_kinds.retain(|k| plan::wants(only.as_deref(), k.tag()));
    let mut idle = runner::idle_cpu(&ctx, &idle_kinds, idle_window);
    if plan::wants(only.as_deref(), Kind::Minimal.tag()) {
        idle.extend(runner::idle_cpu(&ctx, &[Kind::Minimal], idle_window / 4));
    }

    let res = Results {
        tests: &tests,
        outcomes: &outcomes,
    };
    println!(
        "bench_ring{}: {rounds} interleaved rounds of ~{} ms per measurement after a calibration round; {pinning}{priority}; \
         ring capacity {} slots; a throughput is the median rate of {} stretches of delivered messages; each round-trip sample includes one clock read ({:.0} ns); each round-trip measurement starts with {} untimed round trips (the first lap of a fresh ring page-faults; 20 for the semaphore ring, socket and pipe).",
        if quick { " --quick" } else { "" },
        target.as_millis(),
        runner::CAPACITY,
        channel::CHUNKS,
        channel::clock_read_ns(),
        runner::CAPACITY + 100,
    );
    if !shmipc_ring::AVAILABLE {
        println!("(shmipc's SpscRing is not in this build: baselines only.)");
    }
    println!("\n### Throughput (peer process produces, this process consumes)\n");
    println!("{}", report::throughput_table(&res));
    println!("### Round trips (this process sends, the peer sends the message back)\n");
    println!("{}", report::round_trip_table(&res));
    println!("### Round trips after silence (the receiver has gone to sleep)\n");
    println!("{}", report::wake_table(&res));
    println!("### Idle blocked consumer\n");
    println!("{}", report::idle_table(&idle, idle_window.as_secs_f64()));
    if shmipc_ring::AVAILABLE {
        println!("### Targets\n");
        println!("{}", report::targets_table(&res, &idle));
    }
    println!(
        "total time {:.1} s; load average (1 min) {load_before} before, {} after (2 cores; other work on the machine adds noise)",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

/// The 1-minute load average, as `/proc/loadavg` says.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}
