use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub enum Side {
    Buy,
    Sell,
}

fn main() {}
