//! Helper process for the broadcast ring tests (`tests/tests/ring_broadcast_*.rs`). Prints
//! `ready` (flushed) once it holds its handle, then `key value…` lines. Exit code 0 = ran to the
//! end, 3 = a check failed (printed as `error …`), 101 = panic. Messages are
//! `shmipc_tests::ring_msgs::quote(seq)`, whose fields carry a checksum of each other.
//!
//! - `publish NAME N MODE [pace=K] [for_ms=MS]`: claims the publisher role, pushes
//!   `quote(published()..)` N times (MODE `push`, `slice` in runs of 16, or `reserve`), sleeping
//!   50 µs after every K messages; with `for_ms`, for that long instead of N times; prints
//!   `published TOTAL`, then drops the handle and exits.
//! - `subscribe NAME [start=newest|oldest|next] [slow_us=U] [ro=1] [owner=UID] [mode=OCT]
//!   [hostile_ms=MS]`: opens the ring (read-only with `ro=1`, accepting owner UID and mode OCT),
//!   subscribes, prints `ready POSITION`, then pops until `Disconnected`: every message must pass
//!   its checksum and carry exactly the sequence number of the subscriber's position (so order
//!   and lag counts are checked message by message); sleeps U µs after each. Prints `result
//!   delivered D missed M lags L first F position P end REASON`. With `hostile_ms` it pops with
//!   timeouts for that long, never fails on a bad message, and prints `outcomes …`.
//! - `open-rw NAME OWNER MODE`: tries to open the ring for writing; prints `opened` or
//!   `refused ERROR`.

use std::io::Write;
use std::time::{Duration, Instant};

use shmipc::{BroadcastRing, RecvError, StartAt};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::{check, quote};

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn fail(msg: &str) -> ! {
    say(&format!("error {msg}"));
    std::process::exit(3);
}

/// `key=value` options.
fn option<'a>(args: &'a [String], key: &str) -> Option<&'a str> {
    args.iter()
        .find_map(|a| a.split_once('=').and_then(|(k, v)| (k == key).then_some(v)))
}

fn num(args: &[String], key: &str) -> Option<u64> {
    option(args, key).map(|v| v.parse().unwrap_or_else(|_| panic!("{key}={v}")))
}

fn publish(name: &str, n: u64, mode: &str, args: &[String]) {
    let ring = BroadcastRing::<Quote>::open(name).unwrap_or_else(|e| fail(&e.to_string()));
    let mut p = ring.producer().unwrap_or_else(|e| fail(&e.to_string()));
    say("ready");
    let pace = num(args, "pace").unwrap_or(0);
    let until = num(args, "for_ms").map(|ms| Instant::now() + Duration::from_millis(ms));
    let mut done = 0u64;
    while until.map_or(done < n, |t| Instant::now() < t) {
        let seq = p.published();
        match mode {
            "push" => p.push(quote(seq)),
            "slice" => {
                let run: Vec<Quote> = (seq..seq + 16).map(quote).collect();
                p.push_slice(&run);
                done += 15;
            }
            "reserve" => {
                let mut slot = p.reserve();
                slot.copy_from(&quote(slot.seq()));
                slot.commit();
            }
            other => fail(&format!("unknown mode {other}")),
        }
        done += 1;
        if pace != 0 && done.is_multiple_of(pace) {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    say(&format!("published {}", p.published()));
}

fn open(name: &str, args: &[String]) -> BroadcastRing<Quote> {
    let mut b = BroadcastRing::<Quote>::builder(name).read_only(option(args, "ro") == Some("1"));
    if let Some(uid) = num(args, "owner") {
        b = b.allow_owner(uid as u32);
    }
    if let Some(mode) = option(args, "mode") {
        b = b.mode(u32::from_str_radix(mode, 8).expect("octal mode"));
    }
    b.open().unwrap_or_else(|e| fail(&e.to_string()))
}

fn subscribe(name: &str, args: &[String]) {
    let ring = open(name, args);
    let start = match option(args, "start").unwrap_or("newest") {
        "newest" => StartAt::Newest,
        "oldest" => StartAt::Oldest,
        "next" => StartAt::Next,
        other => fail(&format!("unknown start {other}")),
    };
    let mut s = ring.subscriber_at(start);
    if option(args, "ro") == Some("1") {
        say(&format!(
            "maps {} doorbell {}",
            mapping_perms(name),
            ring.has_doorbell()
        ));
        if ring.producer().is_ok() {
            fail("a read-only ring let this process publish");
        }
    }
    say(&format!("ready {}", s.position()));
    if let Some(ms) = num(args, "hostile_ms") {
        return hostile(&mut s, ms);
    }
    let slow = num(args, "slow_us").map(Duration::from_micros);
    let (mut delivered, mut missed, mut lags, mut first) = (0u64, 0u64, 0u64, None);
    let end = loop {
        let at = s.position();
        match s.pop() {
            Ok(q) => {
                let seq = check(&q).unwrap_or_else(|e| fail(&e));
                if seq != at {
                    fail(&format!("got message {seq} at position {at}"));
                }
                first.get_or_insert(seq);
                delivered += 1;
                if let Some(d) = slow {
                    std::thread::sleep(d);
                }
            }
            Err(RecvError::Lagged { missed: m }) => {
                if s.position() != at + m {
                    fail(&format!("lagged {m} from {at} to {}", s.position()));
                }
                missed += m;
                lags += 1;
            }
            Err(RecvError::Disconnected) => break "disconnected",
            Err(e) => fail(&e.to_string()),
        }
    };
    say(&format!(
        "result delivered {delivered} missed {missed} lags {lags} first {} position {} end {end}",
        first.map_or("-".to_owned(), |f| f.to_string()),
        s.position()
    ));
}

/// Pops with timeouts while a scribbler wrecks the ring: every outcome is allowed except a crash
/// or a hang.
fn hostile(s: &mut shmipc::Subscriber<Quote>, ms: u64) {
    let until = Instant::now() + Duration::from_millis(ms);
    let mut counts = [0u64; 6];
    while Instant::now() < until {
        let i = match s.pop_timeout(Duration::from_millis(20)) {
            Ok(q) if check(&q).is_ok() => 0,
            Ok(_) => 1,
            Err(RecvError::Lagged { .. }) => 2,
            Err(RecvError::Corrupted) => 3,
            Err(RecvError::Timeout | RecvError::Empty) => 4,
            Err(RecvError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(1));
                5
            }
        };
        counts[i] += 1;
    }
    let [ok, garbage, lagged, corrupted, timeout, disconnected] = counts;
    say(&format!(
        "outcomes ok {ok} garbage {garbage} lagged {lagged} corrupted {corrupted} \
         timeout {timeout} disconnected {disconnected}"
    ));
}

/// The permissions of this process's mapping of the ring (`r--s` when read-only).
fn mapping_perms(name: &str) -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
    let path = format!("/dev/shm{name}");
    maps.lines()
        .find(|l| l.ends_with(&path))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("none")
        .to_owned()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.get(1).cloned().unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("publish") => {
            let n = args[2].parse().expect("N");
            publish(&name, n, &args[3], &args[4..]);
        }
        Some("subscribe") => subscribe(&name, &args[2..]),
        Some("open-rw") => {
            let r = BroadcastRing::<Quote>::builder(&name)
                .allow_owner(args[2].parse().expect("uid"))
                .mode(u32::from_str_radix(&args[3], 8).expect("octal mode"))
                .open();
            match r {
                Ok(_) => say("opened"),
                Err(e) => say(&format!("refused {e}")),
            }
        }
        other => {
            eprintln!("bcast_peer: unknown subcommand {other:?}");
            std::process::exit(2);
        }
    }
}
