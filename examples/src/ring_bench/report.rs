//! The Markdown tables: medians over the rounds, min–max ranges, and ratios computed round by
//! round against baselines of the same round.

use std::fmt::Write;

use super::channel::BATCH;
use super::kind::Kind;
use super::plan::{Outcome, SIZES, Test, WAKE_GAP};
use super::runner::CAPACITY;
use super::stats::{Latency, Spread};

/// Results of a run, to look rows up by test.
pub struct Results<'a> {
    /// The tests, in order.
    pub tests: &'a [Test],
    /// `outcomes[test][round]`.
    pub outcomes: &'a [Vec<Outcome>],
}

impl Results<'_> {
    fn find(&self, test: Test) -> Option<&[Outcome]> {
        let i = self.tests.iter().position(|&t| t == test)?;
        Some(&self.outcomes[i])
    }

    fn rates(&self, test: Test) -> Option<Vec<f64>> {
        Some(self.find(test)?.iter().map(Outcome::rate).collect())
    }

    fn latencies(&self, test: Test) -> Option<Vec<Latency>> {
        Some(self.find(test)?.iter().map(Outcome::latency).collect())
    }
}

/// Round-by-round ratios `a[r] / b[r]`.
fn ratios(a: &[f64], b: &[f64]) -> Spread {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    Spread::of(&r)
}

fn range(s: Spread, digits: usize) -> String {
    format!("{:.d$}–{:.d$}", s.min, s.max, d = digits)
}

/// The two cells of a measured column, `median | min–max`, with `digits` decimals.
fn median_and_range(xs: &[f64], digits: usize) -> String {
    let spread = Spread::of(xs);
    format!(
        "{:.d$} | {}",
        spread.median,
        range(spread, digits),
        d = digits
    )
}

fn ratio(s: Spread) -> String {
    format!("{:.2}× ({:.2}–{:.2})", s.median, s.min, s.max)
}

fn tput(kind: Kind, size: usize, batched: bool) -> Test {
    Test::Throughput {
        kind,
        size,
        batched,
    }
}

fn memcpy_small() -> Test {
    Test::Memcpy {
        src_len: CAPACITY * 1024,
    }
}

/// The throughput table.
pub fn throughput_table(res: &Results) -> String {
    let mut s = String::new();
    s += "| size | sent as | contender | M msg/s (median) | range | GB/s | × minimal ring | × memcpy |\n";
    s += "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |\n";
    let memcpy = res.rates(memcpy_small());
    for size in SIZES {
        for batched in [false, true] {
            let base = res.rates(tput(Kind::Minimal, size, batched));
            for kind in Kind::ALL {
                let Some(r) = res.rates(tput(kind, size, batched)) else {
                    continue;
                };
                let m = Spread::of(&r);
                let vs_min = base.as_ref().map_or("—".into(), |b| ratio(ratios(&r, b)));
                let vs_memcpy = match (&memcpy, size) {
                    (Some(mc), 1024) => ratio(ratios(&r, mc)),
                    _ => "—".into(),
                };
                let how = if batched {
                    format!("batches of {BATCH}")
                } else {
                    "single".into()
                };
                let _ = writeln!(
                    s,
                    "| {size} B | {how} | {} | {:.2} | {} | {:.2} | {vs_min} | {vs_memcpy} |",
                    kind.label(),
                    m.median / 1e6,
                    range(
                        Spread::of(&r.iter().map(|x| x / 1e6).collect::<Vec<_>>()),
                        2
                    ),
                    m.median * size as f64 / 1e9,
                );
            }
        }
    }
    for (test, what) in [
        (
            memcpy_small(),
            "memcpy, 1 MiB source (the ring's slot area)",
        ),
        (Test::Memcpy { src_len: 64 << 20 }, "memcpy, 64 MiB source"),
    ] {
        if let Some(r) = res.rates(test) {
            let m = Spread::of(&r);
            let vs = memcpy
                .as_ref()
                .map_or("—".into(), |mc| ratio(ratios(&r, mc)));
            let _ = writeln!(
                s,
                "| 1024 B | one core | {what} | {:.2} | {} | {:.2} | — | {vs} |",
                m.median / 1e6,
                range(
                    Spread::of(&r.iter().map(|x| x / 1e6).collect::<Vec<_>>()),
                    2
                ),
                m.median * 1024.0 / 1e9,
            );
        }
    }
    s
}

/// The round-trip table.
pub fn round_trip_table(res: &Results) -> String {
    let mut s = String::new();
    s += "| size | contender | p50 ns (median) | p50 range | p99 ns (median) | p99 range | mean ns | p50 × bounce | p99 × bounce |\n";
    s += "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    let bounce = res.latencies(Test::RoundTrip {
        kind: Kind::Bounce,
        size: 64,
    });
    for size in [64, 8] {
        for kind in Kind::ALL {
            let Some(l) = res.latencies(Test::RoundTrip { kind, size }) else {
                continue;
            };
            let p50: Vec<f64> = l.iter().map(|x| x.p50).collect();
            let p99: Vec<f64> = l.iter().map(|x| x.p99).collect();
            let mean: Vec<f64> = l.iter().map(|x| x.mean).collect();
            let (v50, v99) = match &bounce {
                Some(b) => {
                    let b50: Vec<f64> = b.iter().map(|x| x.p50).collect();
                    let b99: Vec<f64> = b.iter().map(|x| x.p99).collect();
                    (ratio(ratios(&p50, &b50)), ratio(ratios(&p99, &b99)))
                }
                None => ("—".into(), "—".into()),
            };
            let size_label = if kind == Kind::Bounce {
                "line".to_string()
            } else {
                format!("{size} B")
            };
            let _ = writeln!(
                s,
                "| {size_label} | {} | {} | {} | {:.0} | {v50} | {v99} |",
                kind.label(),
                median_and_range(&p50, 0),
                median_and_range(&p99, 0),
                Spread::of(&mean).median,
            );
        }
    }
    s
}

/// The table of round trips after silence (the receiver parked).
pub fn wake_table(res: &Results) -> String {
    let mut s = format!(
        "| 64 B, after {} µs of silence | p50 µs (median) | p50 range | p99 µs (median) | p99 range |\n| --- | ---: | ---: | ---: | ---: |\n",
        WAKE_GAP.as_micros()
    );
    for kind in Kind::ALL {
        let Some(l) = res.latencies(Test::WakeRoundTrip { kind }) else {
            continue;
        };
        let p50: Vec<f64> = l.iter().map(|x| x.p50 / 1e3).collect();
        let p99: Vec<f64> = l.iter().map(|x| x.p99 / 1e3).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            kind.label(),
            median_and_range(&p50, 1),
            median_and_range(&p99, 1),
        );
    }
    s
}

/// The idle-CPU table.
pub fn idle_table(idle: &[(Kind, f64)], window_s: f64) -> String {
    let mut s = format!(
        "| consumer blocked {window_s:.1} s with nothing arriving | CPU, % of one core |\n| --- | ---: |\n"
    );
    for (kind, pct) in idle {
        let what = match kind {
            Kind::ShmipcBlocking => "shmipc SpscRing, `pop()`",
            Kind::Semaphore => "semaphore ring (polls with 100 µs sleeps)",
            Kind::Socket => "Unix socket, blocking `read`",
            Kind::Minimal => "minimal ring (spins)",
            other => other.label(),
        };
        let _ = writeln!(s, "| {what} | {pct:.2} |");
    }
    s
}

/// One line per target of the issue: the measured ratio and whether it was met.
pub fn targets_table(res: &Results, idle: &[(Kind, f64)]) -> String {
    let mut s = String::from(
        "| target | measured (median, range over rounds) | met |\n| --- | --- | --- |\n",
    );
    let mut row = |what: String, spread: Option<Spread>, ok: &dyn Fn(f64) -> bool| {
        let (m, met) = match spread {
            Some(sp) => (ratio(sp), if ok(sp.median) { "yes" } else { "no" }),
            None => ("not measured".into(), "—"),
        };
        let _ = writeln!(s, "| {what} | {m} | {met} |");
    };
    let pair = |a: Test, b: Test| Some(ratios(&res.rates(a)?, &res.rates(b)?));
    // (what, test, its baseline, the least ratio that meets the target)
    let mut targets = Vec::new();
    for size in [64, 8] {
        for batched in [false, true] {
            let how = if batched { "batched" } else { "single" };
            let what = format!("{size} B throughput, {how}, ≥ 1.0× minimal ring");
            let (test, base) = (Kind::Shmipc, Kind::Minimal);
            targets.push((
                what,
                tput(test, size, batched),
                tput(base, size, batched),
                1.0,
            ));
        }
    }
    for size in SIZES {
        let what = format!("{size} B batched ≥ 2× unbatched");
        let (batched, single) = (
            tput(Kind::Shmipc, size, true),
            tput(Kind::Shmipc, size, false),
        );
        targets.push((what, batched, single, 2.0));
    }
    for (what, test, base, least) in targets {
        row(what, pair(test, base), &|x| x >= least);
    }
    // Both are 1024-byte messages (or blocks) per second: their ratio is the ratio of bytes.
    for (src_len, what) in [
        (CAPACITY * 1024, "1 MiB source, the ring's slot area"),
        (64 << 20, "64 MiB source, beyond L2"),
    ] {
        for (kind, path) in [
            (Kind::Shmipc, "push/pop"),
            (Kind::ShmipcInPlace, "in place"),
        ] {
            for batched in [false, true] {
                let how = if batched { "batched" } else { "single" };
                row(
                    format!("1024 B {path}, {how} ≥ 0.8× memcpy bandwidth ({what})"),
                    pair(tput(kind, 1024, batched), Test::Memcpy { src_len }),
                    &|x| x >= 0.8,
                );
            }
        }
    }
    let lat = |kind, size, p99: bool| -> Option<Vec<f64>> {
        Some(
            res.latencies(Test::RoundTrip { kind, size })?
                .iter()
                .map(|l| if p99 { l.p99 } else { l.p50 })
                .collect(),
        )
    };
    let lpair = |a: Option<Vec<f64>>, b: Option<Vec<f64>>| Some(ratios(&a?, &b?));
    row(
        "round trip p50 ≤ 1.5× bounce (64 B, spin)".into(),
        lpair(lat(Kind::Shmipc, 64, false), lat(Kind::Bounce, 64, false)),
        &|x| x <= 1.5,
    );
    row(
        "round trip p99 ≤ 3× bounce (64 B, spin)".into(),
        lpair(lat(Kind::Shmipc, 64, true), lat(Kind::Bounce, 64, true)),
        &|x| x <= 3.0,
    );
    row(
        "blocking round trip p50 ≤ 1.2× spin mode (64 B)".into(),
        lpair(
            lat(Kind::ShmipcBlocking, 64, false),
            lat(Kind::Shmipc, 64, false),
        ),
        &|x| x <= 1.2,
    );
    let idle_pct = idle
        .iter()
        .find(|(k, _)| *k == Kind::ShmipcBlocking)
        .map(|(_, p)| *p);
    let _ = writeln!(
        s,
        "| idle blocked consumer < 1 % of a core | {} | {} |",
        idle_pct.map_or("not measured".into(), |p| format!("{p:.2} %")),
        idle_pct.map_or("—", |p| if p < 1.0 { "yes" } else { "no" }),
    );
    s
}
