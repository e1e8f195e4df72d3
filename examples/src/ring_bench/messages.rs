//! The benchmark's message types (8, 64 and 1024 bytes) and the byte views the stream
//! transports need.

use shmipc::SharedLayout;

/// An 8-byte message: only a sequence number.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "native", name = "BenchMsg8")]
pub struct Msg8 {
    /// Sequence number, checked by the receiver.
    pub seq: u64,
}

/// A 64-byte message (one cache line): a sequence number and 56 payload bytes.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "native", name = "BenchMsg64")]
pub struct Msg64 {
    /// Sequence number, checked by the receiver.
    pub seq: u64,
    /// Payload.
    pub payload: [u8; 56],
}

/// A 1024-byte message: a sequence number and 1016 payload bytes.
#[derive(SharedLayout, Clone, Copy, Debug)]
#[repr(C)]
#[shm(endian = "native", name = "BenchMsg1024")]
pub struct Msg1024 {
    /// Sequence number, checked by the receiver.
    pub seq: u64,
    /// Payload.
    pub payload: [u8; 1016],
}

/// A benchmark message.
///
/// # Safety
///
/// Implementors have no padding and are valid for every bit pattern (plain integers and byte
/// arrays), so they may be viewed as bytes and built from any bytes.
pub unsafe trait Message: SharedLayout + Copy + Send + 'static {
    /// A message with this sequence number and a fixed payload pattern.
    fn new(seq: u64) -> Self;
    /// The sequence number.
    fn seq(&self) -> u64;
    /// Replaces the sequence number (the producer reuses one message, as a real sender would).
    fn set_seq(&mut self, seq: u64);
}

macro_rules! message {
    ($ty:ident $(, $payload:expr)?) => {
        // SAFETY: `#[derive(SharedLayout)]` proved the type has no padding; its fields are a
        // `u64` and a byte array, valid for every bit pattern.
        unsafe impl Message for $ty {
            fn new(seq: u64) -> Self {
                $ty { seq $(, payload: $payload)? }
            }
            fn seq(&self) -> u64 {
                self.seq
            }
            fn set_seq(&mut self, seq: u64) {
                self.seq = seq;
            }
        }
    };
}
message!(Msg8);
message!(Msg64, [0x5a; 56]);
message!(Msg1024, [0x5a; 1016]);

/// The bytes of a run of messages.
pub fn as_bytes<T: Message>(msgs: &[T]) -> &[u8] {
    // SAFETY: `T: Message` has no padding, so every byte of the slice is initialized; the byte
    // slice covers exactly the same memory and borrows it for the same lifetime.
    unsafe { std::slice::from_raw_parts(msgs.as_ptr().cast(), std::mem::size_of_val(msgs)) }
}

/// Builds a message from its `size_of::<T>()` bytes.
pub fn from_bytes<T: Message>(bytes: &[u8]) -> T {
    assert_eq!(bytes.len(), std::mem::size_of::<T>());
    // SAFETY: `bytes` holds exactly `size_of::<T>()` initialized bytes (checked above), the read
    // is unaligned-tolerant, and every bit pattern is a valid `T` (`Message`'s contract).
    unsafe { bytes.as_ptr().cast::<T>().read_unaligned() }
}

/// Runs `$body` with `$t` bound to the message type of `$size` bytes (8, 64 or 1024).
#[macro_export]
macro_rules! with_message {
    ($size:expr, $t:ident => $body:expr) => {
        match $size {
            8 => {
                type $t = $crate::ring_bench::messages::Msg8;
                $body
            }
            64 => {
                type $t = $crate::ring_bench::messages::Msg64;
                $body
            }
            1024 => {
                type $t = $crate::ring_bench::messages::Msg1024;
                $body
            }
            other => panic!("no message type of {other} bytes (sizes: 8, 64, 1024)"),
        }
    };
}
