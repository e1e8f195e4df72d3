use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Tick {
    seq: U64Le,
    flag: u8,
}

#[derive(SharedLayout)]
#[repr(C, align(64))]
#[shm(endian = "little")]
pub struct CacheLine {
    seq: U64Le,
}

fn main() {}
