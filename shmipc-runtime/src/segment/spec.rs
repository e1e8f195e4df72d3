//! What a segment holds, as one value: the kind, the layout and the payload's length.

use super::kind::SegmentKind;
use crate::layout::Layout;

/// What [`RawSegment::create`](super::RawSegment::create) makes and
/// [`RawSegment::open`](super::RawSegment::open) requires: the kind of primitive, the layout of
/// the type it holds, and the payload's length in bytes.
#[derive(Clone, Copy, Debug)]
pub struct SegmentSpec {
    /// The primitive the segment holds, recorded in the header.
    pub kind: SegmentKind,
    /// The layout of the type the payload holds (a ring's slot type), recorded in the header.
    pub layout: &'static Layout,
    /// The payload's length: what `create` makes, and what `open` requires unless
    /// [`accept_len`](Self::accept_len) is set.
    pub payload_len: usize,
    /// For `open` only: accept any payload length in the header for which this returns `true`,
    /// instead of exactly `payload_len`. A primitive whose size depends on a parameter chosen by
    /// its creator (a ring's capacity) derives that parameter from the length and checks it here.
    pub accept_len: Option<fn(usize) -> bool>,
}

impl SegmentSpec {
    /// A spec for a payload of exactly `payload_len` bytes.
    pub const fn new(kind: SegmentKind, layout: &'static Layout, payload_len: usize) -> Self {
        SegmentSpec {
            kind,
            layout,
            payload_len,
            accept_len: None,
        }
    }

    /// The same spec, whose `open` accepts any payload length for which `accept` returns `true`.
    pub const fn accepting_len(mut self, accept: fn(usize) -> bool) -> Self {
        self.accept_len = Some(accept);
        self
    }

    /// Whether an opener with this spec accepts a payload of `len` bytes.
    pub fn accepts_len(&self, len: u64) -> bool {
        match (self.accept_len, usize::try_from(len)) {
            (_, Err(_)) => false,
            (Some(accept), Ok(len)) => accept(len),
            (None, Ok(len)) => len == self.payload_len,
        }
    }
}
