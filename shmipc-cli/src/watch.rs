//! `shmipc watch NAME`: once a second (or `--count` times), a ring's messages per second and fill
//! level, like `iox2 service hz`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::escape::printable;
use crate::inspect::kind_text;
use crate::kinds::{self, RingCounters};
use crate::{Failure, look};

/// Samples the ring `name` every `interval_ms` until interrupted or `count` samples were printed.
pub fn run(name: &str, count: Option<u64>, interval_ms: u64, json: bool) -> Result<(), Failure> {
    let l = look::open(name)?;
    let counters = |l: &look::Look| kinds::report(l, 0).ring;
    if let Some(ring) = kinds::broadcast::doorbell_of(&l) {
        return Err(Failure::refused(format!(
            "`{}` is the doorbell of the broadcast ring {}, which carries no messages: use \
             `shmipc watch {}`",
            printable(l.segment.name()),
            printable(&ring),
            printable(&ring)
        )));
    }
    let Some(mut last) = counters(&l) else {
        return Err(Failure::refused(format!(
            "`{}` is a {} segment, and watch shows a ring's traffic: use `shmipc inspect {}` \
             (or this kind's counters are {})",
            printable(l.segment.name()),
            kind_text(&l),
            printable(l.segment.name()),
            kinds::NOT_DECODED
        )));
    };
    if !json {
        println!("watching {} (Ctrl-C stops)", printable(l.segment.name()));
        println!(
            "{:>8}  {:>12}  {:>12}  {:>10}",
            "seconds", "msgs/s", last.fill_is, "of"
        );
    }
    let interval = Duration::from_millis(interval_ms.max(1));
    let start = Instant::now();
    let mut then = start;
    let mut n = 0;
    while count.is_none_or(|c| n < c) {
        std::thread::sleep(interval);
        let now_c: RingCounters = counters(&l).unwrap_or(last);
        let now = Instant::now();
        let secs = now.duration_since(then).as_secs_f64();
        let rate = now_c.committed.wrapping_sub(last.committed) as f64 / secs;
        let fill = now_c.committed.wrapping_sub(now_c.released);
        let fill = (fill <= now_c.capacity).then_some(fill);
        let at = now.duration_since(start).as_secs_f64();
        if json {
            println!(
                "{}",
                json!({
                    "seconds": at,
                    "messages_per_second": rate,
                    "committed": now_c.committed,
                    "released": now_c.released,
                    "fill": fill,
                    "capacity": now_c.capacity,
                    "kind": kind_text(&l),
                })
            );
        } else {
            println!(
                "{at:>8.1}  {rate:>12.0}  {:>12}  {:>10}",
                fill.map_or("corrupted".to_owned(), |f| f.to_string()),
                now_c.capacity
            );
        }
        last = now_c;
        then = now;
        n += 1;
    }
    Ok(())
}
