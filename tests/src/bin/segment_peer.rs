//! A second process for the segment tests: creates or opens segments as told, and reports on
//! stdout. Integration tests spawn it through `env!("CARGO_BIN_EXE_segment_peer")`.
//!
//! ```text
//! segment_peer create <variant> <name> [seq]   create, write, print `ready`, hold until stdin closes
//! segment_peer hold <variant> <name>           create, print `ready <pid>`, hold until killed
//! segment_peer paused <variant> <name>         create but never publish `ready` (sleeps an hour)
//! segment_peer open <variant> <name>           open, print `ok <value>` or `err <Variant>: <message>`
//! ```
//!
//! Variants are struct definitions that share the stable name `Probe` (except `tick`): the
//! mismatch matrix of the tests.

use std::io::Read;
use std::time::Duration;

use shmipc::prelude::*;
use shmipc::{Error, Segment, SegmentOptions};
use shmipc_schemas::Tick;

/// The base definition.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe")]
struct Base {
    a: U32Le,
    b: U32Le,
    c: U64Le,
}

/// `a` and `b` swapped (same sizes).
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe")]
struct Reordered {
    b: U32Le,
    a: U32Le,
    c: U64Le,
}

/// `b` renamed to `bee`.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe")]
struct Renamed {
    a: U32Le,
    bee: U32Le,
    c: U64Le,
}

/// `b` is a float of the same size.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe")]
struct Retyped {
    a: U32Le,
    b: F32Le,
    c: U64Le,
}

/// Big-endian instead of little.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "big", name = "Probe")]
struct BigEndian {
    a: U32Be,
    b: U32Be,
    c: U64Be,
}

/// The same fields, schema version 2.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe", version = 2)]
struct Version2 {
    a: U32Le,
    b: U32Le,
    c: U64Le,
}

/// One more field at the end: a different size.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", name = "Probe")]
struct Grown {
    a: U32Le,
    b: U32Le,
    c: U64Le,
    d: U64Le,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cmd, variant, name, rest @ ..] = args.as_slice() else {
        eprintln!("usage: segment_peer create|hold|paused|open <variant> <name> [seq]");
        std::process::exit(2);
    };
    let seq: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(1);
    match variant.as_str() {
        "tick" => run(
            cmd,
            name,
            Tick {
                seq: seq.into(),
                ts_ns: 1_700_000_000_000_000_000.into(),
                price_e6: (-12_500_000).into(),
                qty: 300.into(),
                venue: *b"XNAS",
            },
        ),
        "base" => run(
            cmd,
            name,
            Base {
                a: 1.into(),
                b: 2.into(),
                c: seq.into(),
            },
        ),
        "reordered" => run(
            cmd,
            name,
            Reordered {
                b: 2.into(),
                a: 1.into(),
                c: seq.into(),
            },
        ),
        "renamed" => run(
            cmd,
            name,
            Renamed {
                a: 1.into(),
                bee: 2.into(),
                c: seq.into(),
            },
        ),
        "retyped" => run(
            cmd,
            name,
            Retyped {
                a: 1.into(),
                b: 2.0.into(),
                c: seq.into(),
            },
        ),
        "big" => run(
            cmd,
            name,
            BigEndian {
                a: 1.into(),
                b: 2.into(),
                c: seq.into(),
            },
        ),
        "v2" => run(
            cmd,
            name,
            Version2 {
                a: 1.into(),
                b: 2.into(),
                c: seq.into(),
            },
        ),
        "grown" => run(
            cmd,
            name,
            Grown {
                a: 1.into(),
                b: 2.into(),
                c: seq.into(),
                d: 4.into(),
            },
        ),
        other => {
            eprintln!("unknown variant {other}");
            std::process::exit(2);
        }
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
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

/// Prints `err <Variant>: <message>` and exits with status 1.
fn fail(e: &Error) -> ! {
    let debug = format!("{e:?}");
    let variant = debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    println!("err {variant}: {e}");
    std::process::exit(1);
}
