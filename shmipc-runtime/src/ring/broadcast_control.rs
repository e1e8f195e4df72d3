//! The broadcast ring's control block, and its doorbell segment (documented byte by byte in
//! `docs/broadcast-ring.md`). The slots use the SPSC ring's [`Geometry`](super::control::Geometry).

use core::sync::atomic::{AtomicU32, AtomicU64};

use super::control::{CONTROL_LEN, RingInfo, SideBlock};
use crate::pinned::pin_offsets;
use crate::layout::{Endian, FieldLayout, FieldType, Layout, Primitive};
use crate::segment::{ControlBlock, SegmentKind, SegmentSpec};

/// The format of the broadcast ring's control block and slots, recorded at offset 8.
pub(crate) const FORMAT: u32 = 1;

/// The control block at the start of the payload: three 128-byte blocks, the same spacing as the
/// SPSC ring's, so that the slots start where [`Geometry`](super::control::Geometry) says.
///
/// - block 0: [`RingInfo`] (capacity, format, stride, offsets), written by the creator;
/// - block 1: the publisher's [`SideBlock`]: `index` is its tail, `wake.value` the wake value
///   subscribers sleep on (`wake`'s second word stays 0: subscribers announce themselves in the
///   doorbell, which they can write), `state` and `role` as in the SPSC ring;
/// - block 2: reserved (zero).
///
/// Only the publisher (and the creator, for block 0) stores to it; subscribers only load.
#[repr(C)]
pub(crate) struct BroadcastControl {
    pub info: RingInfo,
    pub publisher: SideBlock,
    reserved: [AtomicU64; 16],
}

pin_offsets! { BroadcastControl, size 384, align 8: info @ 0, publisher @ 128, reserved @ 256 }
const _: () = assert!(size_of::<BroadcastControl>() == CONTROL_LEN);

// SAFETY: only atomics, `RoleToken`s (atomics) and `WaitCell`s, in repr(C) structs; alignment 8.
unsafe impl ControlBlock for BroadcastControl {}

/// The doorbell segment's payload (64 bytes): the parked hint, then reserved words. Every
/// process that can write the doorbell stores to it; the publisher only loads the hint to decide
/// whether to wake (see `broadcast_protocol.rs`).
#[repr(C)]
pub(crate) struct DoorbellControl {
    /// 1: a subscriber announced that it may sleep; 0: the publisher woke everyone since.
    pub parked: AtomicU32,
    reserved0: AtomicU32,
    reserved: [AtomicU64; 7],
}

pin_offsets! { DoorbellControl, size 64, align 8: parked @ 0, reserved0 @ 4, reserved @ 8 }
const _: () = assert!(size_of::<DoorbellControl>() == DOORBELL_LEN);

// SAFETY: only atomics, in a repr(C) struct; alignment 8.
unsafe impl ControlBlock for DoorbellControl {}

/// The doorbell's payload length.
pub(crate) const DOORBELL_LEN: usize = 64;

/// The suffix of the doorbell's name: ring `/ticks` rings `/ticks.b`. Two bytes, so that test
/// names (at most 29 bytes) stay within the portable path's 31.
pub(crate) const DOORBELL_SUFFIX: &str = ".b";

static U32: FieldType = FieldType::Primitive(Primitive::U32);
static DOORBELL_FIELDS: [FieldLayout; 1] = [FieldLayout::__new("parked", 0, 4, 4, &U32)];
/// The layout recorded in the doorbell's header, so that no ring (of any slot type) is taken for
/// a doorbell and back.
static DOORBELL_LAYOUT: Layout = Layout::__new(
    "shmipc::BroadcastDoorbell",
    1,
    Endian::Native,
    4,
    4,
    &DOORBELL_FIELDS,
);

/// What the doorbell segment holds.
pub(crate) fn doorbell_spec() -> SegmentSpec {
    SegmentSpec::new(SegmentKind::BroadcastRing, &DOORBELL_LAYOUT, DOORBELL_LEN)
}

/// The doorbell's name for the ring `name` (normalized, with its slash).
pub(crate) fn doorbell_name(name: &str) -> String {
    format!("{name}{DOORBELL_SUFFIX}")
}

/// The doorbell's mode for a ring of mode `mode`: whoever may read the ring may ring the bell
/// (each read bit also grants the write bit of its class), so that read-only subscribers can
/// announce that they sleep.
pub(crate) const fn doorbell_mode(mode: u32) -> u32 {
    let mode = mode & 0o777;
    mode | ((mode & 0o444) >> 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doorbell_mode_lets_readers_write() {
        assert_eq!(doorbell_mode(0o600), 0o600);
        assert_eq!(doorbell_mode(0o640), 0o660);
        assert_eq!(doorbell_mode(0o644), 0o666);
        assert_eq!(doorbell_mode(0o400), 0o600);
    }
}
