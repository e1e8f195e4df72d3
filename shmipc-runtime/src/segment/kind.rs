//! What a segment holds: a plain value, a lock, a seqlock or a ring.

use core::fmt;

/// The kind of primitive a segment holds, recorded in its header as a `u32` code.
///
/// An opener states the kind it expects and is refused if the segment holds another, so a ring
/// is never mistaken for a plain value of the same type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// One value of the type, accessed directly (`Segment<T>`). Code 1.
    Value,
    /// A value guarded by a shared mutex. Code 2.
    Mutex,
    /// A value guarded by a sequence lock. Code 3.
    SeqLock,
    /// A single-producer, single-consumer ring. Code 4.
    SpscRing,
    /// A multi-producer, multi-consumer ring. Code 5.
    MpmcRing,
    /// A broadcast ring: one publisher, any number of read-only subscribers. Code 6.
    BroadcastRing,
}

impl SegmentKind {
    /// Every kind, in code order.
    pub const ALL: [SegmentKind; 6] = [
        SegmentKind::Value,
        SegmentKind::Mutex,
        SegmentKind::SeqLock,
        SegmentKind::SpscRing,
        SegmentKind::MpmcRing,
        SegmentKind::BroadcastRing,
    ];

    /// The code stored in the header.
    pub const fn code(self) -> u32 {
        match self {
            SegmentKind::Value => 1,
            SegmentKind::Mutex => 2,
            SegmentKind::SeqLock => 3,
            SegmentKind::SpscRing => 4,
            SegmentKind::MpmcRing => 5,
            SegmentKind::BroadcastRing => 6,
        }
    }

    /// The kind with this header code, if any.
    pub fn from_code(code: u32) -> Option<SegmentKind> {
        SegmentKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A short lower-case name (`value`, `mutex`, `seqlock`, `spsc-ring`, `mpmc-ring`,
    /// `broadcast-ring`).
    pub const fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Value => "value",
            SegmentKind::Mutex => "mutex",
            SegmentKind::SeqLock => "seqlock",
            SegmentKind::SpscRing => "spsc-ring",
            SegmentKind::MpmcRing => "mpmc-ring",
            SegmentKind::BroadcastRing => "broadcast-ring",
        }
    }
}

impl fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_zero_is_no_kind() {
        for kind in SegmentKind::ALL {
            assert_eq!(SegmentKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(SegmentKind::from_code(0), None);
        assert_eq!(SegmentKind::from_code(7), None);
    }
}
