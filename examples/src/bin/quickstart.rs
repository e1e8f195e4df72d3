//! Two processes share a `Tick` through a named segment; then stream `Tick`s through an
//! `SpscRing` (messages per second and round trips, beside a Unix socket measured in the same
//! run); then a process built with a different definition of `Tick` tries to open the segment and
//! is refused, with the field that differs.
//!
//! `cargo run --release -p shmipc-examples --bin quickstart`
//!
//! The program plays every part: run without arguments it is the writer, and it starts itself
//! again as `quickstart --reader NAME`, `quickstart --ring-peer …` (the ring's consumer, in
//! `shmipc_examples::ring_demo`) and `quickstart --mismatch NAME`.

use std::process::{Command, ExitCode};

use shmipc::prelude::*;
use shmipc::{Segment, SharedLayout};
use shmipc_examples::ring_demo;
use shmipc_schemas::Tick;

/// What another team's build calls `Tick` v3: `ts_ns` and `price_e6` swapped, and the price
/// became a float. Same name, same version, same size: only the header's field table tells.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little", version = 3, name = "Tick")]
struct DriftedTick {
    seq: U64Le,
    price_e6: F64Le,
    ts_ns: U64Le,
    qty: U32Le,
    venue: [u8; 4],
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => writer(),
        [role, name] if role == "--reader" => reader(name),
        [role, name] if role == "--mismatch" => mismatched_reader(name),
        [role, rest @ ..] if role == "--ring-peer" => match ring_demo::peer(rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ring consumer: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: quickstart [--reader NAME | --mismatch NAME | --ring-peer …]");
            ExitCode::FAILURE
        }
    }
}

fn writer() -> ExitCode {
    let name = format!("/shmipc-quickstart-{}", std::process::id());
    println!("== act 1: two processes share a Tick ==");
    let segment = match Segment::<Tick>::create(&name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("writer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tick = Tick {
        seq: 1001.into(),
        ts_ns: 1_764_115_200_000_000_000.into(),
        price_e6: 187_250_000.into(),
        qty: 300.into(),
        venue: *b"XNAS",
    };
    segment.write(&tick);
    println!(
        "writer (pid {}): created `{name}` (mode 0600) holding `Tick` v3, fingerprint {:016x}",
        std::process::id(),
        Tick::FINGERPRINT
    );
    println!(
        "writer: wrote seq={} ts_ns={} price={:.6} qty={} venue={}",
        tick.seq.get(),
        tick.ts_ns.get(),
        tick.price_e6.get() as f64 / 1e6,
        tick.qty.get(),
        String::from_utf8_lossy(&tick.venue)
    );
    let ok = spawn_self("--reader", &name);
    let back = segment.read();
    println!(
        "writer: the reader acknowledged by writing seq={} back",
        back.seq.get()
    );

    println!();
    println!("== act 2: a stream of Ticks through an SpscRing, beside a Unix socket ==");
    let streamed = ring_demo::act(&name)
        .inspect_err(|e| eprintln!("ring: {e}"))
        .is_ok();

    println!();
    println!("== act 3: a build with a different `Tick` v3 opens the same segment ==");
    let refused = !spawn_self("--mismatch", &name);
    // Dropping the creator's handle unlinks the name.
    drop(segment);
    if ok && streamed && refused && back.seq.get() == 1002 {
        println!();
        println!(
            "done: the data crossed processes, a stream went through the ring, and the mismatched build was refused."
        );
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn reader(name: &str) -> ExitCode {
    match Segment::<Tick>::open(name) {
        Ok(segment) => {
            let tick = segment.read();
            println!(
                "reader (pid {}): opened `{name}`, layout checked; read seq={} ts_ns={} price={:.6} qty={} venue={}",
                std::process::id(),
                tick.seq.get(),
                tick.ts_ns.get(),
                tick.price_e6.get() as f64 / 1e6,
                tick.qty.get(),
                String::from_utf8_lossy(&tick.venue)
            );
            segment.write(&Tick {
                seq: (tick.seq.get() + 1).into(),
                ..tick
            });
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("reader: refused: {e}");
            ExitCode::FAILURE
        }
    }
}

fn mismatched_reader(name: &str) -> ExitCode {
    println!(
        "mismatched reader (pid {}): this build's `Tick` v3:\n{}",
        std::process::id(),
        indent(&DriftedTick::LAYOUT.to_string())
    );
    match Segment::<DriftedTick>::open(name) {
        Ok(segment) => {
            println!("mismatched reader: opened?! read {:?}", segment.read());
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("mismatched reader: refused:\n  {e}");
            if let shmipc::Error::LayoutMismatch { diff, .. } = &e {
                println!("  every difference:");
                for d in &diff.fields {
                    println!("    - {d}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs this program again with a role; true if it exited successfully.
fn spawn_self(role: &str, name: &str) -> bool {
    let exe = std::env::current_exe().expect("path of this program");
    Command::new(exe)
        .args([role, name])
        .status()
        .is_ok_and(|s| s.success())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
