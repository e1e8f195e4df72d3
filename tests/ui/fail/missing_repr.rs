use shmipc::prelude::*;

#[derive(SharedLayout)]
#[shm(endian = "little")]
pub struct Tick {
    seq: U64Le,
}

fn main() {}
