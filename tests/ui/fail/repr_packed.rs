use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C, packed)]
#[shm(endian = "little")]
pub struct Tick {
    flag: u8,
    seq: U64Le,
}

fn main() {}
