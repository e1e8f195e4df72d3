use shmipc::prelude::*;

// Reported together: a field attribute, and the missing byte order.
#[derive(SharedLayout)]
#[repr(C)]
pub struct Tick {
    #[shm(endian = "little")]
    seq: U64Le,
}

fn main() {}
