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
            fail(&format!("push {i}: {e}"));
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
