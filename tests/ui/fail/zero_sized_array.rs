use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct NoBytes {
    nothing: [u8; 0],
}

fn main() {}
