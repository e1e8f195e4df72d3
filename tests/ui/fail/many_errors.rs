use shmipc::prelude::*;

// All field errors of one struct are reported together.
#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Everything {
    a: usize,
    b: bool,
    c: *const u8,
    d: u32,
    e: [char; 4],
}

fn main() {}
