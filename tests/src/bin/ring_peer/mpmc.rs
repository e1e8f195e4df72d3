//! MPMC ring peers. Every message is `quote(id << 32 | n)`: producer `id`'s `n`-th message.
//!
//! - `mpmc-produce NAME ID N [hang_at=J] [hang_ms=MS]`: pushes messages `0..N` of producer ID
//!   (N = 0: forever); with `hang_at`, message J is pushed through a second ring handle whose
//!   test hook prints `claimed` between claim and publish and then sleeps MS ms (default: an
//!   hour), so the parent can kill or stop this process exactly there. Prints `done N` at the
//!   end.
//! - `mpmc-consume NAME [hang_after=K] [flush=each]`: pops until `Disconnected`, checking every
//!   message, and prints `m SEQ` for each (flushed at once with `flush=each`, so that a killed
//!   consumer's record is complete up to the message in flight); with `hang_after`, the
//!   (K+1)-th pop goes through a second handle whose hook prints `claimed` between claim and
//!   release and sleeps an hour. Prints `end REASON skipped S`.

use std::io::Write;
use std::time::Duration;

use shmipc::{MpmcRing, PopError};
use shmipc_schemas::Quote;
use shmipc_tests::ring_msgs::{check, quote};

use crate::stream::{fast_path_batch, fast_path_ring, measured_rounds};
use crate::{Options, fail, say};

static HANG_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(3_600_000);

/// The test hook: say where we are, then sleep (to be killed or stopped there).
fn hang() {
    say("claimed");
    let ms = HANG_MS.load(std::sync::atomic::Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(ms));
}

fn hooked(name: &str) -> MpmcRing<Quote> {
    MpmcRing::<Quote>::builder(name)
        .after_claim(hang)
        .open()
        .unwrap_or_else(|e| fail(&format!("open {name}: {e}")))
}

pub fn produce(name: &str, id: u64, n: u64, opts: &Options) {
    let ring = MpmcRing::<Quote>::open(name).unwrap_or_else(|e| fail(&format!("open: {e}")));
    let mut p = ring.producer().unwrap();
    if let Some(ms) = opts.num("hang_ms") {
        HANG_MS.store(ms, std::sync::atomic::Ordering::Relaxed);
    }
    let hang_at = opts.num("hang_at");
    say("ready");
    let mut i = 0;
    while n == 0 || i < n {
        let q = quote(id << 32 | i);
        let r = if hang_at == Some(i) {
            hooked(name).producer().unwrap().push(q)
        } else {
            p.push(q)
        };
        if let Err(e) = r {
            fail(&format!("push {i} (pid {}): {e}", std::process::id()));
        }
        i += 1;
    }
    say(&format!("done {i}"));
}

pub fn consume(name: &str, opts: &Options) {
    let ring = MpmcRing::<Quote>::open(name).unwrap_or_else(|e| fail(&format!("open: {e}")));
    let mut c = ring.consumer().unwrap();
    let each = opts.get("flush") == Some("each");
    let hang_after = opts.num("hang_after");
    say("ready");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut got = 0u64;
    let reason = loop {
        let r = if hang_after == Some(got) {
            out.flush().unwrap();
            hooked(name).consumer().unwrap().pop()
        } else {
            c.pop()
        };
        match r {
            Ok(q) => {
                let seq = check(&q).unwrap_or_else(|e| fail(&e));
                writeln!(out, "m {seq}").unwrap();
                if each {
                    out.flush().unwrap();
                }
                got += 1;
            }
            Err(PopError::Disconnected) => break "disconnected",
            Err(e) => fail(&format!("pop: {e}")),
        }
    };
    writeln!(out, "end {reason} skipped {}", c.skipped()).unwrap();
    out.flush().unwrap();
}

/// `mpmc-hostile NAME MILLIS SEED`: a producer and a consumer handle of one process use the
/// ring with 5 ms timeouts (and the non-blocking forms) for MILLIS ms while a scribbler
/// corrupts it; prints `outcomes ok=… errors=… garbage=…`. Never trusts what it reads.
pub fn hostile(name: &str, millis: u64, seed: u64) {
    let step = Duration::from_millis(5);
    let ring = match MpmcRing::<Quote>::open(name) {
        Ok(r) => r,
        // The header is never scribbled; but an open may still meet a full process table.
        Err(e) => {
            say("ready");
            say(&format!("outcomes refused {e}"));
            return;
        }
    };
    let (mut p, mut c) = (ring.producer().unwrap(), ring.consumer().unwrap());
    say("ready");
    let mut rng = shmipc_tests::Rng::new(seed);
    let end = std::time::Instant::now() + Duration::from_millis(millis);
    let (mut ok, mut errors, mut garbage) = (0u64, 0u64, 0u64);
    let mut buf = [quote(0); 4];
    let mut popped = |r: Result<Quote, PopError>, ok: &mut u64, errors: &mut u64| match r {
        Ok(q) => match check(&q) {
            Ok(_) => *ok += 1,
            Err(_) => garbage += 1,
        },
        Err(_) => *errors += 1,
    };
    while std::time::Instant::now() < end {
        let q = quote(rng.next_u64() >> 16);
        let pushed = match rng.below(4) {
            0 => p.try_push(q).map_err(drop),
            1 => p.push_timeout(q, step).map_err(drop),
            2 => p.try_push_slice(&[q, q]).map(drop).map_err(drop),
            _ => p.try_push_ref(&q).map_err(drop),
        };
        match pushed {
            Ok(()) => ok += 1,
            Err(()) => errors += 1,
        }
        match rng.below(3) {
            0 => popped(c.try_pop(), &mut ok, &mut errors),
            1 => popped(c.pop_timeout(step), &mut ok, &mut errors),
            _ => match c.try_pop_slice(&mut buf) {
                Ok(n) => ok += n as u64,
                Err(_) => errors += 1,
            },
        }
        let _ = (ring.len(), ring.claimed(), ring.recovery(), c.skipped());
    }
    say(&format!(
        "outcomes ok={ok} errors={errors} garbage={garbage}"
    ));
}

/// `mpmc-fast-path NAME N [syscall]`: `n` rounds of every push and pop form of an MPMC ring
/// (one producer and one consumer handle here, never parked) between two `close(-1)` markers,
/// for the strace test; `syscall`: also one `getppid` per round.
pub fn fast_path(name: &str, n: u64, with_syscall: bool) {
    let (ring, mut p, mut c) = fast_path_ring!(MpmcRing, name);
    let (batch, mut buf) = fast_path_batch();
    let ok = |r: Result<(), String>| r.unwrap_or_else(|e| fail(&e));
    let round = |i: u64| {
        ok(p.try_push(quote(i)).map_err(|e| e.to_string()));
        ok(p.push(quote(i)).map_err(|e| e.to_string()));
        ok(p.push_timeout(quote(i), Duration::from_secs(1))
            .map_err(|e| e.to_string()));
        ok(p.try_push_ref(&quote(i)).map_err(|e| e.to_string()));
        for _ in 0..4 {
            ok(c.try_pop().map(drop).map_err(|e| e.to_string()));
        }
        ok(p.push_slice(&batch).map_err(|e| e.to_string()));
        let mut got = 0;
        while got < 8 {
            got += c
                .pop_slice(&mut buf)
                .unwrap_or_else(|e| fail(&e.to_string()));
        }
        ok(p.try_push_slice(&batch)
            .map(drop)
            .map_err(|e| e.to_string()));
        ok(c.pop_timeout(Duration::from_secs(1))
            .map(drop)
            .map_err(|e| e.to_string()));
        ok(c.pop().map(drop).map_err(|e| e.to_string()));
        // Exactly the 6 left: a miss on an empty ring may check liveness (rate-limited).
        let mut left = 6;
        while left > 0 {
            left -= c
                .try_pop_slice(&mut buf[..left])
                .unwrap_or_else(|e| fail(&e.to_string()));
        }
    };
    measured_rounds(n, with_syscall, round);
    drop((p, c, ring));
    say("done");
}
