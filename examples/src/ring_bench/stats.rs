//! Medians, ranges and percentiles.

/// The median and the range of one value over the rounds.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    /// Median over the rounds.
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (at least one).
    pub fn of(values: &[f64]) -> Spread {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Spread {
            median: median_sorted(&v),
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The `p`-quantile (0..=1) of sorted samples, nearest rank.
pub fn quantile(sorted: &[u32], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

/// Round-trip latencies of one measurement, in nanoseconds.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    /// Median round trip.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean (total time / round trips).
    pub mean: f64,
}

impl Latency {
    /// Summarizes samples (at least one).
    pub fn of(mut samples: Vec<u32>) -> Latency {
        let mean = samples.iter().map(|&s| s as f64).sum::<f64>() / samples.len() as f64;
        samples.sort_unstable();
        Latency {
            p50: quantile(&samples, 0.50),
            p99: quantile(&samples, 0.99),
            mean,
        }
    }
}
