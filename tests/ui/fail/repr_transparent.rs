use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(transparent)]
#[shm(endian = "little")]
pub struct Seq {
    seq: U64Le,
}

fn main() {}
