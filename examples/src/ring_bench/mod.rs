//! The pieces of `bench_ring`: contenders (a hand-written minimal ring, one bounced cache line,
//! a Unix socket pair, pipes, `rtrb`, the seed's semaphore ring, shmipc's `SpscRing`), the loops
//! that drive them, the peer process, statistics and the tables.

pub mod bounce;
pub mod channel;
pub mod kind;
pub mod messages;
pub mod minimal_ring;
pub mod peer;
pub mod pin;
pub mod plan;
pub mod report;
pub mod rtrb_threads;
pub mod runner;
pub mod semaphore_ring;
pub mod shared_map;
pub mod shmipc_ring;
pub mod stats;
pub mod stream;
