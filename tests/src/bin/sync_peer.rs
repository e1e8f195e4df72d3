//! Helper process for the multi-process sync tests (`tests/tests/sync_*.rs`): one subcommand per
//! role. Prints `ready` (flushed) once set up, so the parent can time its actions.

use std::io::Write;
use std::time::Duration;

use shmipc::{SeqLock, SharedMutex, WaitCell};
use shmipc_schemas::{Ping, SensorFrame};
use shmipc_tests::raw_map::RawMap;
use shmipc_tests::sync_frames::{checksum, frame};

fn ready() {
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> T {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("argument {i} missing or invalid: {args:?}"))
}

fn busy(n: u32) {
    for i in 0..n {
        std::hint::black_box(i);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.get(1).cloned().unwrap_or_default();
    match args.first().map(String::as_str) {
        // Increment `seq` under the lock `n` times.
        Some("count") => {
            let m = SharedMutex::<Ping>::open(&name).unwrap();
            let n: u64 = arg(&args, 2);
            ready();
            for _ in 0..n {
                let mut g = m.lock().unwrap();
                let v = std::hint::black_box(g.seq);
                g.seq = v + 1;
            }
        }
        // Lock, mark `sent_ns` as "inside", work, clear it, unlock; forever (until killed).
        Some("hold-loop") => {
            let m = SharedMutex::<Ping>::open(&name).unwrap();
            ready();
            loop {
                let mut g = match m.lock() {
                    Ok(g) => g,
                    Err(e) => {
                        let mut g = e.into_guard().expect("lock() only fails with a guard");
                        g.mark_consistent();
                        g
                    }
                };
                g.sent_ns = 1;
                g.seq += 1;
                busy(200);
                g.sent_ns = 0;
                drop(g);
                busy(200);
            }
        }
        // Block in lock() (the parent holds it), then hold it forever.
        Some("acquire") => {
            let m = SharedMutex::<Ping>::open(&name).unwrap();
            ready();
            let g = m.lock();
            std::hint::black_box(&g);
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        // Write checksummed frames: `n` of them, or forever when n = 0.
        Some("seq-write") => {
            let mut s = SeqLock::<SensorFrame>::open(&name).unwrap();
            let n: u64 = arg(&args, 2);
            s.write(&frame(1)).unwrap();
            ready();
            let mut seed = 2;
            while n == 0 || seed <= n {
                s.write(&frame(seed)).unwrap();
                seed += 1;
            }
        }
        // Read `n` times; fail on a torn value. Prints the number of distinct values seen.
        Some("seq-read") => {
            let s = SeqLock::<SensorFrame>::open(&name).unwrap();
            let n: u64 = arg(&args, 2);
            ready();
            let (mut last, mut distinct) = (u64::MAX, 0u64);
            for _ in 0..n {
                let f = s.read().unwrap();
                assert_eq!(checksum(&f), f.sensor_id.get(), "torn read: {f:?}");
                if f.ts_ns.get() != last {
                    last = f.ts_ns.get();
                    distinct += 1;
                }
            }
            println!("distinct {distinct}");
        }
        // Sleep on the wait cell at offset 0 of a raw mapping until its value reaches `target`.
        Some("wait") => {
            let map = RawMap::new(&name, 4096, false).unwrap();
            let target: u32 = arg(&args, 2);
            let timeout_ms: u64 = arg(&args, 3);
            // SAFETY: the mapping is page-aligned, 4096 bytes, lives until the end of main, and
            // its first 8 bytes are only accessed as a WaitCell by every process.
            let cell = unsafe { WaitCell::from_ptr(map.ptr()) };
            ready();
            match cell.wait_while(|v| v < target, Some(Duration::from_millis(timeout_ms))) {
                Ok(v) => println!("woke {v}"),
                Err(_) => println!("timeout"),
            }
        }
        // `n` uncontended lock/unlock, wait-cell updates and seqlock writes and reads, for
        // counting system calls (name: a mutex; names: a seqlock; namec: a raw map).
        Some("fast-path") => {
            let m = SharedMutex::<Ping>::open(&name).unwrap();
            let mut s = SeqLock::<Ping>::open(&format!("{name}s")).unwrap();
            let map = RawMap::new(&format!("{name}c"), 4096, false).unwrap();
            // SAFETY: as in "wait".
            let cell = unsafe { WaitCell::from_ptr(map.ptr()) };
            let n: u64 = arg(&args, 2);
            // Warm up once: caches the process identity, claims the writer role.
            drop(m.lock().unwrap());
            s.write(&Ping::default()).unwrap();
            for i in 0..n {
                let mut g = m.lock().unwrap();
                g.seq += 1;
                drop(g);
                cell.fetch_add(1);
                s.write(&Ping { seq: i, sent_ns: i }).unwrap();
                std::hint::black_box(s.read().unwrap());
                std::hint::black_box(cell.wait_while(|_| false, None).unwrap());
            }
            ready();
        }
        other => {
            eprintln!("sync_peer: unknown role {other:?}");
            std::process::exit(2);
        }
    }
}
