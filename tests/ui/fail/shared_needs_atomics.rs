use shmipc::Segment;
use shmipc::prelude::*;

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Counters {
    hits: u64,
}

fn peek(segment: &Segment<Counters>) -> u64 {
    segment.shared().hits
}

fn main() {}
