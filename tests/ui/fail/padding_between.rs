use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Tick {
    flag: u8,
    seq: U64Le,
}

fn main() {}
