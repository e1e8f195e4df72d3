use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little", version = "3")]
pub struct Tick {
    seq: U64Le,
}

fn main() {}
