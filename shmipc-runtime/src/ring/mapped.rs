//! [`RingMap`]: what every ring's shared state starts with — its segment, its capacity, and
//! where its control block and slots are — with the one proof that it may cross threads.

use super::control::Geometry;
use super::spsc::Slots;
use crate::segment::{ControlBlock, RawSegment};

/// A ring's mapping, shared by the ring and its handles (which keep it alive through an `Arc`
/// of the ring's inner state), and the slot pointers into it. `C` is the ring's control block.
pub(crate) struct RingMap<C> {
    pub(crate) segment: RawSegment,
    pub(crate) capacity: usize,
    pub(crate) slots: Slots<C>,
}

impl<C> core::fmt::Debug for RingMap<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RingMap")
            .field("segment", &self.segment)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

// SAFETY: `slots` holds pointers into the mapping that `segment` owns and keeps alive for as long
// as the `RingMap` exists; every access through them is atomic or an atomic copy under the ring's
// protocol (`C` is a `ControlBlock`: atomics only), which is sound from any thread.
unsafe impl<C: Sync> Send for RingMap<C> {}
// SAFETY: as above: shared access is atomic.
unsafe impl<C: Sync> Sync for RingMap<C> {}

impl<C: ControlBlock> RingMap<C> {
    /// `segment`'s `capacity` slots laid out as `geo` says (the payload holds them: its length
    /// gave the capacity).
    pub(crate) fn new(segment: RawSegment, capacity: usize, geo: Geometry) -> RingMap<C> {
        RingMap {
            slots: Slots::new(&segment, capacity, geo),
            segment,
            capacity,
        }
    }

    /// The control block.
    #[inline]
    pub(crate) fn control(&self) -> &C {
        self.slots.control()
    }

    /// The ring's name, with its leading slash.
    pub(crate) fn name(&self) -> &str {
        self.segment.name()
    }

    /// Whether the segment lost its memory (its file was truncated while mapped; see
    /// [`RawSegment::is_broken`]): the slow paths report it as corruption.
    pub(crate) fn is_broken(&self) -> bool {
        self.segment.is_broken()
    }
}
