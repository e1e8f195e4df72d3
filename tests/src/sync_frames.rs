//! Checksummed frames for the seqlock tests: a torn copy fails the checksum.

use shmipc::prelude::*;
use shmipc_schemas::SensorFrame;

/// A frame whose `sensor_id` is a checksum of every other field.
pub fn frame(seed: u64) -> SensorFrame {
    let mut f = SensorFrame {
        ts_ns: U64Le::new(seed),
        len: U16Le::new((seed % 17) as u16),
        flags: (seed % 3) as u8,
        ..SensorFrame::default()
    };
    for (i, s) in f.samples.iter_mut().enumerate() {
        for (j, x) in s.iter_mut().enumerate() {
            *x = F32Le::new((seed.wrapping_mul(31) + (i * 3 + j) as u64) as f32);
        }
    }
    f.sensor_id = U32Le::new(checksum(&f));
    f
}

/// FNV-1a over every field but `sensor_id`.
pub fn checksum(f: &SensorFrame) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    };
    eat(&f.ts_ns.get().to_le_bytes());
    eat(&f.len.get().to_le_bytes());
    eat(&[f.flags]);
    for s in &f.samples {
        for x in s {
            eat(&x.get().to_le_bytes());
        }
    }
    h
}
