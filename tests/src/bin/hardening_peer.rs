//! A helper process for the hardening tests (`SIGBUS` from a truncated or unallocatable segment).
//! Integration tests spawn it through `env!("CARGO_BIN_EXE_hardening_peer")`.
//!
//! ```text
//! hardening_peer create-loop <name>    create a 64 KiB segment, print `ready`, read until broken
//! hardening_peer open-loop <name>      open it, print `ready`, read until broken
//! hardening_peer foreign-sigbus <name> create a segment, then touch a truncated mapping of its
//!                                      own (not shmipc's): must die by SIGBUS
//! hardening_peer nospace-create <name> create a 64 KiB segment, print `ok` or `err <Variant>: ..`
//! hardening_peer nospace-after <name>  create it, then fill /dev/shm, then write and read all of it
//! ```
//!
//! A loop prints `broken zeros=<bool> check=<Variant or ok>` once the segment is broken, or
//! `not-broken` if it is not within a minute (so a test fails instead of hanging).

use std::io::Write;
use std::time::{Duration, Instant};

use shmipc::prelude::*;
use shmipc::{Error, Segment};

/// 64 KiB of payload: sixteen pages, so the tmpfs tests need more than one free page.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "little")]
struct Big {
    bytes: [u8; 65536],
}

/// How long a loop waits for the break before giving up (not a timing assertion: a bound that
/// turns a missing break into a failure instead of a hang).
const PATIENCE: Duration = Duration::from_secs(60);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cmd, name] = args.as_slice() else {
        eprintln!("usage: hardening_peer <command> <name>");
        std::process::exit(2);
    };
    match cmd.as_str() {
        "create-loop" => {
            let segment = Segment::<Big>::create(name).unwrap_or_else(|e| fail(&e));
            segment.write(&Big {
                bytes: [0xA5; 65536],
            });
            read_until_broken(&segment);
        }
        "open-loop" => {
            let segment = Segment::<Big>::open(name).unwrap_or_else(|e| fail(&e));
            read_until_broken(&segment);
        }
        "foreign-sigbus" => foreign_sigbus(name),
        "nospace-create" => match Segment::<Big>::create(name) {
            Ok(_) => println!("ok"),
            Err(e) => fail(&e),
        },
        "nospace-after" => nospace_after(name),
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

/// Prints `ready`, then reads the value until the segment is broken (see the module docs).
fn read_until_broken(segment: &Segment<Big>) {
    say("ready");
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        let value = segment.read();
        if segment.is_broken() {
            // The read that faulted may have returned before the flag was read; read again.
            let zeros = segment.read().bytes.iter().all(|&b| b == 0);
            let check = match segment.raw().check_intact() {
                Ok(()) => "ok".to_owned(),
                Err(e) => variant(&e),
            };
            say(&format!("broken zeros={zeros} check={check}"));
            return;
        }
        assert_eq!(value.bytes[0], 0xA5, "intact segments keep their value");
    }
    say("not-broken");
}

/// Creates a shmipc segment (installing its `SIGBUS` handler), then maps a memfd of its own,
/// truncates it and touches it: the fault is not in a shmipc mapping, so the process must die.
fn foreign_sigbus(name: &str) {
    let _segment = Segment::<Big>::create(name).unwrap_or_else(|e| fail(&e));
    let label = c"shmipc-test-foreign";
    // SAFETY: `label` is NUL-terminated; flags are plain integers.
    let fd = unsafe { libc::memfd_create(label.as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is an open memfd this function owns.
    assert_eq!(unsafe { libc::ftruncate(fd, 8192) }, 0, "size the memfd");
    // SAFETY: a new shared mapping of 8192 bytes of `fd`, at an address the kernel chooses.
    let ptr = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            8192,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    assert_ne!(ptr, libc::MAP_FAILED, "mmap");
    let ptr = ptr.cast::<u8>();
    // SAFETY: `ptr` is the start of 8192 mapped, writable bytes only this thread touches.
    unsafe { ptr.write_volatile(1) };
    // SAFETY: `fd` is open; shrinking the memfd drops the mapped pages.
    assert_eq!(unsafe { libc::ftruncate(fd, 0) }, 0, "truncate the memfd");
    // A handler that swallowed this fault would re-run the access forever: die by SIGALRM
    // instead, so the test fails rather than hangs.
    // SAFETY: `alarm` has no preconditions.
    unsafe { libc::alarm(60) };
    say("touching");
    // SAFETY: the address is still mapped (the touch faults with SIGBUS because the file no
    // longer backs it, which is what this command tests).
    let value = unsafe { ptr.read_volatile() };
    say(&format!("survived {value}"));
}

/// Creates a 64 KiB segment, fills the shared-memory file system, then writes and reads every
/// page of the segment: its pages were reserved at create, so all of it must work.
fn nospace_after(name: &str) {
    let segment = Segment::<Big>::create(name).unwrap_or_else(|e| fail(&e));
    let fill = format!("/dev/shm{name}-fill");
    let mut file = std::fs::File::create(&fill).expect("create the fill file");
    let chunk = vec![0xEEu8; 65536];
    let full = loop {
        if let Err(e) = file.write_all(&chunk) {
            break e;
        }
    };
    assert_eq!(full.raw_os_error(), Some(libc::ENOSPC), "fill: {full}");
    segment.write(&Big {
        bytes: [0x5A; 65536],
    });
    let back = segment.read();
    let matches = back.bytes.iter().all(|&b| b == 0x5A);
    say(&format!(
        "ok intact={} matches={matches}",
        !segment.is_broken()
    ));
    let _ = std::fs::remove_file(&fill);
}

/// Prints `line` and flushes it (the test reads line by line).
fn say(line: &str) {
    println!("{line}");
    let _ = std::io::stdout().flush();
}

/// The error's variant name.
fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_owned()
}

/// Prints `err <Variant>: <message>` and exits with status 1.
fn fail(e: &Error) -> ! {
    say(&format!("err {}: {e}", variant(e)));
    std::process::exit(1);
}
