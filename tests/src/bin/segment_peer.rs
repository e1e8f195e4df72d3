//! A second process for the segment tests: creates or opens segments as told, and reports on
//! stdout. Integration tests spawn it through `env!("CARGO_BIN_EXE_segment_peer")`.
//!
//! ```text
//! segment_peer create <variant> <name> [seq]   create, write, print `ready`, hold until stdin closes
//! segment_peer hold <variant> <name>           create, print `ready <pid>`, hold until killed
//! segment_peer paused <variant> <name>         create but never publish `ready` (sleeps an hour)
//! segment_peer open <variant> <name>           open, print `ok <value>` or `err <Variant>: <message>`
//! segment_peer count counters <name> <n>       open `Counters`, add 1 to `hits` n times through
//!                                              `Segment::shared`, then bump and wake `done`
//! segment_peer wait-open <variant> <name>      print `waiting`, open waiting for creation (30 s),
//!                                              print `ok <creator pid>`, hold until stdin closes
//! segment_peer race <variant> <name> <at_ns>   at <at_ns> (ns since the epoch) `open_or_create`,
//!                                              print `Created` or `Opened`, hold until stdin closes
//! segment_peer reader <variant> <name>         open a SegmentReader (owner 0 allowed, mode 0644),
//!                                              print `ok <value>`, then `writable <result>` of a
//!                                              writable open and `read_only-segment <result>`
//! segment_peer seq-wait <variant> <name> ro|rw open a SeqLockReader (owner 0 allowed, mode 0644),
//!                                              print `v<version>`, wait for a newer value (30 s),
//!                                              print `newer v<version> <value>`
//! segment_peer seq-write <variant> <name> <n> [syscall]  create a seqlock, then between two
//!                                              `close(-1)` markers write n times (and call getppid
//!                                              per write with `syscall`): for strace
//! ```
//!
//! Variants are struct definitions that share the stable name `Probe` (except `tick`): the
//! mismatch matrix of the tests. `sided`/`sided_cancel` differ in a checked enum's variants,
//! `priced`/`priced_wide` in a field of a nested struct.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shmipc::prelude::*;
use shmipc::{Error, Segment, SegmentOptions, SegmentReader, SeqLock, SeqLockReader};
use shmipc_schemas::Tick;
use shmipc_tests::counters::Counters;
use std::sync::atomic::Ordering;

/// Defines the `Probe` variants and `$run_probe`, which runs a command with one of them. Each
/// variant is `"<variant>" => Type(<#[shm] keys besides the name>) { field: Type = value, .. }`;
/// `$seq` names the sequence number the values may use.
macro_rules! probes {
    ($run_probe:ident, $seq:ident; $(
        $(#[doc = $doc:literal])*
        $variant:literal => $ty:ident($($shm:tt)*) {
            $($field:ident: $fty:ty = $value:expr),+ $(,)?
        }
    )+) => {
        $(
            $(#[doc = $doc])*
            #[derive(SharedLayout, Clone, Copy, Debug)]
            #[repr(C)]
            #[shm(name = "Probe", $($shm)*)]
            struct $ty {
                $($field: $fty),+
            }
        )+

        /// Runs `cmd` with the `Probe` variant called `variant` holding `seq`; false if there is
        /// no such variant.
        fn $run_probe(cmd: &str, variant: &str, name: &str, $seq: u64) -> bool {
            match variant {
                $($variant => run(cmd, name, $ty { $($field: $value.into()),+ }),)+
                _ => return false,
            }
            true
        }
    };
}

probes! { run_probe, seq;
    /// The base definition.
    "base" => Base(endian = "little") { a: U32Le = 1, b: U32Le = 2, c: U64Le = seq }
    /// `a` and `b` swapped (same sizes).
    "reordered" => Reordered(endian = "little") { b: U32Le = 2, a: U32Le = 1, c: U64Le = seq }
    /// `b` renamed to `bee`.
    "renamed" => Renamed(endian = "little") { a: U32Le = 1, bee: U32Le = 2, c: U64Le = seq }
    /// `b` is a float of the same size.
    "retyped" => Retyped(endian = "little") { a: U32Le = 1, b: F32Le = 2.0, c: U64Le = seq }
    /// Big-endian instead of little.
    "big" => BigEndian(endian = "big") { a: U32Be = 1, b: U32Be = 2, c: U64Be = seq }
    /// The same fields, schema version 2.
    "v2" => Version2(endian = "little", version = 2) { a: U32Le = 1, b: U32Le = 2, c: U64Le = seq }
    /// One more field at the end: a different size.
    "grown" => Grown(endian = "little") {
        a: U32Le = 1,
        b: U32Le = 2,
        c: U64Le = seq,
        d: U64Le = 4,
    }
}

/// Defines the enum of the `sided` probes (stable name `Side`) as each build has it: `Type {
/// Variant = value, .. }`.
macro_rules! sides {
    ($($(#[doc = $doc:literal])* $ty:ident { $($variant:ident = $value:literal),+ $(,)? })+) => {
        $(
            $(#[doc = $doc])*
            #[derive(SharedEnum, Clone, Copy, Debug)]
            #[repr(u8)]
            #[shm(name = "Side")]
            enum $ty {
                $($variant = $value),+
            }
        )+
    };
}

sides! {
    /// The enum of the `sided` probes, as one build has it.
    Side { Buy = 1, Sell = 2 }
    /// The same enum as a build with one more variant has it.
    SideWithCancel { Buy = 1, Sell = 2, Cancel = 3 }
}

/// A price as one build has it.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little")]
struct Px {
    mantissa: I64Le,
    exponent: i8,
    _pad: [u8; 7],
}

/// The same price with a wider exponent, as another build has it.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Px")]
struct PxWide {
    mantissa: I64Le,
    exponent: I16Le,
    _pad: [u8; 6],
}

probes! { run_nested_probe, seq;
    /// A checked enum field.
    "sided" => Sided(endian = "little") {
        c: U64Le = seq,
        side: Tag<Side> = Side::Sell,
        _pad: [u8; 7] = [0; 7],
    }
    /// The same field, the enum with one more variant.
    "sided_cancel" => SidedCancel(endian = "little") {
        c: U64Le = seq,
        side: Tag<SideWithCancel> = SideWithCancel::Sell,
        _pad: [u8; 7] = [0; 7],
    }
    /// A nested struct.
    "priced" => Priced(endian = "little") {
        px: Px = Px { mantissa: I64Le::new(15), exponent: -1, _pad: [0; 7] },
        c: U64Le = seq,
    }
    /// The same, the nested struct's `exponent` wider.
    "priced_wide" => PricedWide(endian = "little") {
        px: PxWide = PxWide { mantissa: I64Le::new(15), exponent: I16Le::new(-1), _pad: [0; 6] },
        c: U64Le = seq,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cmd, variant, name, rest @ ..] = args.as_slice() else {
        eprintln!("usage: segment_peer create|hold|paused|open <variant> <name> [seq]");
        std::process::exit(2);
    };
    let seq: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(1);
    if cmd == "race" {
        spin_until(u128::from(seq));
    }
    if cmd.starts_with("seq-") && variant == "tick" {
        return run_seqlock(cmd, name, rest);
    }
    if (cmd.as_str(), variant.as_str()) == ("count", "counters") {
        let segment = Segment::<Counters>::open(name).unwrap_or_else(|e| fail(&e));
        let counters = segment.shared();
        for _ in 0..seq {
            counters.hits.fetch_add(1, Ordering::Relaxed);
        }
        counters.done.fetch_add(1);
        counters.done.wake_all();
        println!("counted {seq}");
    } else if variant == "tick" {
        let tick = Tick {
            seq: seq.into(),
            ts_ns: 1_700_000_000_000_000_000.into(),
            price_e6: (-12_500_000).into(),
            qty: 300.into(),
            venue: *b"XNAS",
        };
        run(cmd, name, tick);
    } else if !run_probe(cmd, variant, name, seq) && !run_nested_probe(cmd, variant, name, seq) {
        eprintln!("unknown variant {variant}");
        std::process::exit(2);
    }
}

fn run<T: SharedLayout + Copy + std::fmt::Debug>(cmd: &str, name: &str, value: T) {
    match cmd {
        "create" => {
            let segment = Segment::<T>::create(name).unwrap_or_else(|e| fail(&e));
            segment.write(&value);
            println!("ready");
            // Hold the segment until the test closes our stdin; dropping it unlinks the name.
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        "hold" => {
            let segment = Segment::<T>::create(name).unwrap_or_else(|e| fail(&e));
            segment.write(&value);
            println!("ready {}", std::process::id());
            std::thread::sleep(Duration::from_secs(3600));
        }
        "paused" => {
            let options = SegmentOptions::new().pause_before_publish(Duration::from_secs(3600));
            let _ = Segment::<T>::builder(name)
                .options(options)
                .create()
                .unwrap_or_else(|e| fail(&e));
        }
        "open" => match Segment::<T>::open(name) {
            Ok(segment) => println!("ok {:?}", segment.read()),
            Err(e) => fail(&e),
        },
        "wait-open" => {
            println!("waiting");
            let _ = std::io::stdout().flush();
            let segment = Segment::<T>::builder(name)
                .wait_for_creation(true)
                .open_timeout(Duration::from_secs(30))
                .open()
                .unwrap_or_else(|e| fail(&e));
            println!("ok {}", segment.creator().pid);
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        "race" => {
            let (_segment, origin) = Segment::<T>::builder(name)
                .open_timeout(Duration::from_secs(10))
                .open_or_create()
                .unwrap_or_else(|e| fail(&e));
            println!("{origin:?}");
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        "reader" => {
            let reader = SegmentReader::<T>::builder(name)
                .allow_owner(0)
                .mode(0o644)
                .open()
                .unwrap_or_else(|e| fail(&e));
            println!("ok {:?}", reader.read());
            let writable = Segment::<T>::builder(name)
                .allow_owner(0)
                .mode(0o644)
                .open();
            println!("writable {}", outcome(writable));
            let read_only = Segment::<T>::builder(name)
                .allow_owner(0)
                .mode(0o644)
                .read_only(true)
                .open();
            println!("read_only-segment {}", outcome(read_only));
        }
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

/// The seqlock commands, with `Tick` values.
fn run_seqlock(cmd: &str, name: &str, rest: &[String]) {
    match cmd {
        "seq-wait" => {
            let reader = SeqLockReader::<Tick>::builder(name)
                .allow_owner(0)
                .mode(0o644)
                .read_only(rest.first().map(String::as_str) != Some("rw"))
                .open()
                .unwrap_or_else(|e| fail(&e));
            let (_, version) = reader
                .read_versioned(Duration::from_secs(1))
                .unwrap_or_else(|e| panic!("{e:?}"));
            println!("v{version}");
            let _ = std::io::stdout().flush();
            match reader.wait_newer(version, Some(Duration::from_secs(30))) {
                Ok((value, v)) => println!("newer v{v} {value:?}"),
                Err(e) => println!("err {e:?}"),
            }
        }
        "seq-write" => {
            let n: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(1);
            let with_syscall = rest.get(1).map(String::as_str) == Some("syscall");
            let mut lock = SeqLock::<Tick>::create(name).unwrap_or_else(|e| fail(&e));
            let mut tick = Tick::default();
            lock.write(&tick).unwrap(); // claims the writer role before the markers
            // SAFETY: closing an invalid descriptor only fails (EBADF): the marker for strace.
            unsafe { libc::close(-1) };
            for i in 0..n {
                tick.seq = i.into();
                lock.write(&tick).unwrap();
                if with_syscall {
                    // SAFETY: getppid has no preconditions.
                    unsafe { libc::getppid() };
                }
            }
            // SAFETY: as above.
            unsafe { libc::close(-1) };
        }
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

/// `ok` or `err <Variant>: <message>`.
fn outcome<T>(result: Result<T, Error>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("err {e:?}"),
    }
}

/// Prints `err <Variant>: <message>` (the error's `Debug`) and exits with status 1.
fn fail(e: &Error) -> ! {
    println!("err {e:?}");
    std::process::exit(1);
}

/// Busy-waits until the wall clock reaches `at_ns` (nanoseconds since the epoch), so that two
/// peers act at the same moment.
fn spin_until(at_ns: u128) {
    while SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        < at_ns
    {
        std::hint::spin_loop();
    }
}
