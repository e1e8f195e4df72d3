//! Helper process for the multi-process ring tests (`tests/tests/ring_*.rs`): one subcommand per
//! role. Prints `ready` (flushed) once its role is claimed, so the parent can time its actions,
//! then `key value` result lines. Exit code 0 = ran to the end, 3 = a check failed (the reason is
//! printed as `error …`), 101 = panic.
//!
//! - `produce NAME N MODE [witness=W] [from=B]`: pushes `quote(B..B + N)` (N = 0: forever; B
//!   = 0 by default), MODE one of `spin` (`try_push`), `block` (`push`), `batch`
//!   (`push_slice`), `inplace` (`reserve`). W: a witness mapping for progress. Both take
//!   `wait=spin|park|default` for the wait strategy.
//! - `consume NAME MODE [witness=W] [jump=B] [until=S]`: pops until the producer is gone
//!   (`Disconnected`), checking every message and that the sequence numbers are consecutive
//!   (except for one jump to B, printed as `jump AT`); prints `first S`, `digest COUNT HASH` and
//!   `end REASON`. With `until`, `Disconnected` before message S - 1 arrived means "wait for
//!   the next producer". MODE as above (`try_pop`, `pop`, `pop_slice`, `read_chunk`).
//! - `hostile-produce NAME MILLIS SEED` / `hostile-consume NAME MILLIS SEED`: use the ring with
//!   timeouts while a scribbler corrupts it; print `outcomes …`.
//! - `scribble NAME MILLIS SEED`: the hostile third process (see `scribble.rs`).
//! - `hold NAME producer|consumer`: claims the role and sleeps until killed.
//! - `take-and-hang NAME POPS CHUNK`: pops POPS messages, then holds an unreleased in-place
//!   chunk of up to CHUNK messages until killed; prints `holding FIRST LEN`.
//! - `reserve-and-hang NAME PUSHES CHUNK`: pushes PUSHES messages, then holds a reserved,
//!   written, uncommitted chunk of up to CHUNK slots until killed; prints `holding FIRST LEN`.
//! - `claim NAME producer|consumer`: tries to claim the role once; prints `claimed` or
//!   `refused MESSAGE`.
//! - `fast-path NAME N [syscall]`: N pushes and pops between two `close(-1)` markers, for the
//!   strace test (`syscall`: also one `getppid` per iteration, to prove the count works).
//! - `big-produce NAME N` / `big-consume NAME N`: 4 MiB frames in place, from a thread with a
//!   256 KiB stack.
//! - `mpmc-produce …` / `mpmc-consume …`: a producer or consumer of an MPMC ring (see `mpmc.rs`).

mod big;
mod hostile;
mod mpmc;
mod scribble;
mod stream;

use std::io::Write;

/// Prints one line and flushes it, so it reaches the parent even if this process is killed next.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Reports a failed check and exits with status 3.
pub fn fail(msg: &str) -> ! {
    say(&format!("error {msg}"));
    std::process::exit(3);
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> T {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("argument {i} missing or invalid: {args:?}"))
}

/// `key=value` options.
pub struct Options(Vec<(String, String)>);

impl Options {
    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v.as_str()))
    }

    /// The value of `key` as a number, if given.
    pub fn num(&self, key: &str) -> Option<u64> {
        self.get(key).map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{key}={v} is not a number"))
        })
    }
}

fn options(args: &[String]) -> Options {
    Options(
        args.iter()
            .map(|a| match a.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => panic!("option {a:?} is not key=value"),
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.get(1).cloned().unwrap_or_default();
    let opt = |i: usize| args.get(i).map(String::as_str);
    match opt(0) {
        Some("produce") => stream::produce(&name, arg(&args, 2), &args[3], &options(&args[4..])),
        Some("consume") => stream::consume(&name, &args[2], &options(&args[3..])),
        Some("hostile-produce") => hostile::produce(&name, arg(&args, 2), arg(&args, 3)),
        Some("hostile-consume") => hostile::consume(&name, arg(&args, 2), arg(&args, 3)),
        Some("scribble") => {
            let writes = scribble::run(&name, arg(&args, 2), arg(&args, 3));
            say(&format!("scribbled {writes}"));
        }
        Some("hold") => stream::hold(&name, &args[2]),
        Some("take-and-hang") => stream::take_and_hang(&name, arg(&args, 2), arg(&args, 3)),
        Some("reserve-and-hang") => {
            stream::reserve_and_hang(&name, arg(&args, 2), arg(&args, 3));
        }
        Some("claim") => stream::claim(&name, &args[2]),
        Some("fast-path") => stream::fast_path(&name, arg(&args, 2), opt(3) == Some("syscall")),
        Some("big-produce") => big::produce(&name, arg(&args, 2)),
        Some("big-consume") => big::consume(&name, arg(&args, 2)),
        Some("mpmc-produce") => {
            mpmc::produce(&name, arg(&args, 2), arg(&args, 3), &options(&args[4..]))
        }
        Some("mpmc-consume") => mpmc::consume(&name, &options(&args[2..])),
        Some("mpmc-hostile") => mpmc::hostile(&name, arg(&args, 2), arg(&args, 3)),
        Some("mpmc-fast-path") => mpmc::fast_path(&name, arg(&args, 2), opt(3) == Some("syscall")),
        other => {
            eprintln!("ring_peer: unknown subcommand {other:?}");
            std::process::exit(2);
        }
    }
}
