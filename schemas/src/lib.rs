//! The message types that shmipc's examples, tests and benchmarks share: the contract between
//! processes.
//!
//! Every type here is recorded in `layouts.lock` beside this crate; a test fails when a layout
//! changes without a version bump. See `tests/tests/layout_lock.rs` for how to re-bless the file.

use core::sync::atomic::{AtomicU32, AtomicU64};

use shmipc::prelude::*;

/// One trade or quote from a market-data feed (little-endian, as most feed handlers run on x86).
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "little", version = 3)]
pub struct Tick {
    /// Feed sequence number.
    pub seq: U64Le,
    /// Exchange timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: U64Le,
    /// Price in millionths of the quote currency.
    pub price_e6: I64Le,
    /// Quantity in lots.
    pub qty: U32Le,
    /// Venue code, ASCII, padded with zeroes (`b"XNAS"`).
    pub venue: [u8; 4],
}

/// One frame from a 3-axis inertial sensor: 16 samples per axis (little-endian).
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "little", version = 1)]
pub struct SensorFrame {
    /// Capture time of the first sample, nanoseconds on the monotonic clock.
    pub ts_ns: U64Le,
    /// Sensor id.
    pub sensor_id: U32Le,
    /// How many entries of `samples` are valid (at most 16).
    pub len: U16Le,
    /// Bit flags: 1 = saturated, 2 = temperature compensated.
    pub flags: u8,
    /// Explicit padding: keeps `samples` aligned; always zero.
    pub _pad: [u8; 1],
    /// Acceleration samples in m/s², x, y, z per sample.
    pub samples: [[F32Le; 3]; 16],
}

/// A 3-D position in millimetres (big-endian, as in the robot controller's wire protocol).
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "big")]
pub struct Position {
    /// X in millimetres.
    pub x_mm: I32Be,
    /// Y in millimetres.
    pub y_mm: I32Be,
    /// Z in millimetres.
    pub z_mm: I32Be,
}

/// A motion command for a robot arm, with a nested target position (big-endian).
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "big", version = 2)]
pub struct Command {
    /// Command id, echoed in the acknowledgement.
    pub id: U32Be,
    /// Where to move.
    pub target: Position,
    /// Maximum speed in millimetres per second.
    pub speed_mm_s: U32Be,
    /// 0 = move, 1 = stop, 2 = home.
    pub opcode: u8,
    /// Explicit padding to the 4-byte alignment; always zero.
    pub _pad: [u8; 3],
}

/// Control words that cooperating processes update in place with atomics (native byte order).
#[derive(SharedLayout, Debug, Default)]
#[repr(C)]
#[shm(endian = "native")]
pub struct ControlBlock {
    /// Incremented by every process that starts.
    pub generation: AtomicU64,
    /// Messages handled so far.
    pub processed: AtomicU64,
    /// 0 = run, 1 = pause, 2 = stop.
    pub state: AtomicU32,
    /// Number of attached processes.
    pub attached: AtomicU32,
}

/// A small latency-probe message (native byte order, used by the ping-pong example).
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Ping {
    /// Round-trip sequence number.
    pub seq: u64,
    /// Sender's send time, nanoseconds on the monotonic clock.
    pub sent_ns: u64,
}

/// A top-of-book quote update: exactly 64 bytes, one cache line (little-endian). The 64-byte
/// message of the ring tests and benchmarks.
#[derive(SharedLayout, Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Quote {
    /// Feed sequence number.
    pub seq: U64Le,
    /// Exchange timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: U64Le,
    /// Instrument id.
    pub instrument: U64Le,
    /// Best bid in millionths of the quote currency.
    pub bid_e6: I64Le,
    /// Best ask in millionths of the quote currency.
    pub ask_e6: I64Le,
    /// Quantity at the best bid, in lots.
    pub bid_qty: U32Le,
    /// Quantity at the best ask, in lots.
    pub ask_qty: U32Le,
    /// Bit flags: 1 = bid changed, 2 = ask changed, 4 = market closed.
    pub flags: U32Le,
    /// Venue code, ASCII, padded with zeroes (`b"XNAS"`).
    pub venue: [u8; 4],
    /// Producer-defined check value (the ring tests store a checksum of the other fields).
    pub check: U64Le,
}

/// Every schema type's layout, for tools that list them (the lock file, the layout demo).
pub fn all_layouts() -> [&'static shmipc::Layout; 7] {
    [
        Tick::LAYOUT,
        SensorFrame::LAYOUT,
        Position::LAYOUT,
        Command::LAYOUT,
        ControlBlock::LAYOUT,
        Ping::LAYOUT,
        Quote::LAYOUT,
    ]
}

const _: () = assert!(size_of::<Quote>() == 64);
