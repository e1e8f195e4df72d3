//! Benchmark of `Segment::open`: the cost of checking a segment's header against this build's
//! layout, for a 5-field and a 32-field type. Prints medians.
//!
//! `cargo run --release -p shmipc-examples --bin bench_open`

use std::hint::black_box;
use std::time::Instant;

use shmipc::prelude::*;
use shmipc::segment::header;
use shmipc::{LayoutDescription, LayoutDiff, ProcessIdentity};
use shmipc::{Segment, SegmentKind, SegmentSpec, SharedLayout};
use shmipc_schemas::Tick;

/// Declares a 32-field (192-byte) layout named `Wide` whose last field has type `$last`.
macro_rules! wide_layout {
    ($(#[$doc:meta])* $ident:ident, last: $last:ty) => {
        $(#[$doc])*
        #[derive(SharedLayout, Clone, Copy)]
        #[repr(C)]
        #[shm(endian = "little", name = "Wide")]
        struct $ident {
            f00: U64Le,
            f01: U32Le,
            f02: U32Le,
            f03: F64Le,
            f04: U64Le,
            f05: U32Le,
            f06: U32Le,
            f07: F64Le,
            f08: U64Le,
            f09: U32Le,
            f10: U32Le,
            f11: F64Le,
            f12: U64Le,
            f13: U32Le,
            f14: U32Le,
            f15: F64Le,
            f16: U64Le,
            f17: U32Le,
            f18: U32Le,
            f19: F64Le,
            f20: U64Le,
            f21: U32Le,
            f22: U32Le,
            f23: F64Le,
            f24: U64Le,
            f25: U32Le,
            f26: U32Le,
            f27: F64Le,
            f28: U64Le,
            f29: U32Le,
            f30: U32Le,
            f31: $last,
        }
    };
}

wide_layout!(
    /// The 32-field layout whose open is timed.
    Wide, last: F64Le
);
wide_layout!(
    /// The same type name with the last field changed, to time the error path.
    WideDrifted, last: U64Le
);

const BATCH: usize = 100;
const BATCHES: usize = 201;

/// Median nanoseconds per call of `f`, over batches of `BATCH` calls.
fn median_ns(mut f: impl FnMut()) -> f64 {
    for _ in 0..BATCH {
        f();
    }
    let mut samples: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                f();
            }
            start.elapsed().as_nanos() as f64 / BATCH as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[BATCHES / 2]
}

fn bench<T: SharedLayout>(rows: &mut Vec<(String, f64)>) {
    let name = format!("/shmipc-bench-open-{}", std::process::id());
    let _segment = Segment::<T>::create(&name).expect("create");
    let layout = T::LAYOUT;
    let fields = layout.fields().len();
    rows.push((
        format!("open + check + close, {fields} fields"),
        median_ns(|| {
            black_box(Segment::<T>::open(&name).expect("open"));
        }),
    ));
    let path = format!("/dev/shm{name}");
    rows.push((
        "  of which: open, fstat, mmap, touch, munmap, close".to_owned(),
        median_ns(|| {
            let file = std::fs::File::open(&path).expect("open");
            let len = file.metadata().expect("fstat").len();
            // SAFETY: the segment's file is not truncated while the benchmark runs.
            let map =
                unsafe { memmap2::MmapOptions::new().len(len as usize).map(&file) }.expect("map");
            black_box(map[0]); // the first touch faults the page in, as open's header read does
            black_box(map);
        }),
    ));
    let (bytes, _) = header::encode(
        SegmentKind::Value,
        layout,
        size_of::<T>(),
        ProcessIdentity::current(),
    )
    .expect("encode");
    rows.push((
        format!("  of which: header check (open's validation), {fields} fields"),
        median_ns(|| {
            black_box(
                shmipc::segment::check_header(
                    "/bench",
                    black_box(&bytes),
                    &SegmentSpec::new(SegmentKind::Value, layout, size_of::<T>()),
                )
                .expect("check"),
            );
        }),
    ));
    rows.push((
        format!("  header decode in full (for tools), {fields} fields"),
        median_ns(|| {
            black_box(header::decode(black_box(&bytes)).expect("decode"));
        }),
    ));
    rows.push((
        format!("  full header checksum, {} bytes", bytes.len()),
        median_ns(|| {
            black_box(header::checksum(black_box(&bytes)));
        }),
    ));
    rows.push((
        format!("  encode own table (cached by open), {fields} fields"),
        median_ns(|| {
            black_box(header::encode_table(black_box(layout)).expect("encode"));
        }),
    ));
}

fn main() {
    let mut rows = Vec::new();
    bench::<Tick>(&mut rows);
    bench::<Wide>(&mut rows);

    let name = format!("/shmipc-bench-open-{}-m", std::process::id());
    let _segment = Segment::<Wide>::create(&name).expect("create");
    rows.push((
        "refused open with layout diff, 32 fields".to_owned(),
        median_ns(|| {
            black_box(Segment::<WideDrifted>::open(&name).expect_err("mismatch"));
        }),
    ));
    let a = LayoutDescription::from_layout(Wide::LAYOUT);
    let b = LayoutDescription::from_layout(WideDrifted::LAYOUT);
    rows.push((
        "  layout diff only, 32 fields".to_owned(),
        median_ns(|| {
            black_box(LayoutDiff::between(black_box(&a), &b));
        }),
    ));

    println!("{:<58} {:>12}", "operation", "median");
    for (what, ns) in rows {
        println!("{what:<58} {:>9.2} µs", ns / 1000.0);
    }
    println!("(medians of {BATCHES} batches of {BATCH} calls; target: open of 32 fields < 10 µs)");
}
