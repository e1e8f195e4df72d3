//! The contenders.

/// A contender: one way of moving messages between two cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// One cache line bounced between the processes (round trips only).
    Bounce,
    /// The hand-written minimal shared-memory ring.
    Minimal,
    /// shmipc's `SpscRing`, polled with `try_push`/`try_pop` (spin mode).
    Shmipc,
    /// shmipc's `SpscRing` with the blocking `push`/`pop`.
    ShmipcBlocking,
    /// shmipc's `SpscRing` written and read in place (`reserve`/`read_chunk`), spin mode.
    ShmipcInPlace,
    /// `rtrb` between two threads.
    Rtrb,
    /// The seed's semaphore ring.
    Semaphore,
    /// A Unix stream socket pair.
    Socket,
    /// A pipe (two for round trips).
    Pipe,
}

impl Kind {
    /// Every contender, in table order.
    pub const ALL: [Kind; 9] = [
        Kind::Bounce,
        Kind::Minimal,
        Kind::Shmipc,
        Kind::ShmipcBlocking,
        Kind::ShmipcInPlace,
        Kind::Rtrb,
        Kind::Semaphore,
        Kind::Socket,
        Kind::Pipe,
    ];

    /// The word used on the peer's command line.
    pub fn tag(self) -> &'static str {
        match self {
            Kind::Bounce => "bounce",
            Kind::Minimal => "minimal",
            Kind::Shmipc => "shmipc",
            Kind::ShmipcBlocking => "shmipc-blocking",
            Kind::ShmipcInPlace => "shmipc-in-place",
            Kind::Rtrb => "rtrb",
            Kind::Semaphore => "semaphore",
            Kind::Socket => "socket",
            Kind::Pipe => "pipe",
        }
    }

    /// The contender named by `tag`.
    pub fn from_tag(tag: &str) -> Kind {
        Kind::ALL
            .into_iter()
            .find(|k| k.tag() == tag)
            .unwrap_or_else(|| panic!("unknown contender {tag}"))
    }

    /// The name printed in the tables.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Bounce => "cache-line bounce",
            Kind::Minimal => "minimal ring",
            Kind::Shmipc => "shmipc SpscRing, spin",
            Kind::ShmipcBlocking => "shmipc SpscRing, blocking",
            Kind::ShmipcInPlace => "shmipc SpscRing, in place",
            Kind::Rtrb => "rtrb (2 threads)",
            Kind::Semaphore => "semaphore ring (seed)",
            Kind::Socket => "Unix socket pair",
            Kind::Pipe => "pipe",
        }
    }
}
