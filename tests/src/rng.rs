//! xorshift64*: a small generator whose seed is printed, so a failing run can be replayed.

/// The environment variable that replays a run: `SHMIPC_TEST_SEED=<seed printed by the run>`.
pub const SEED_VAR: &str = "SHMIPC_TEST_SEED";

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed `seed` (for tests whose thresholds were checked with it).
    pub fn new(seed: u64) -> Rng {
        // xorshift never leaves the all-zero state.
        Rng(if seed == 0 { 1 } else { seed })
    }

    /// A generator seeded from `SHMIPC_TEST_SEED`, or else from the clock; prints the seed.
    pub fn from_env_or_time() -> Rng {
        let seed = std::env::var(SEED_VAR)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("the clock is after 1970")
                    .as_nanos() as u64
            });
        println!("{SEED_VAR}={seed} (set it to replay this run)");
        Rng::new(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index in `0..n` (`n` > 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
}
