use shmipc::prelude::*;

#[derive(Clone, Copy)]
#[repr(u8)]
pub enum Side {
    Buy = 1,
    Sell = 2,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Order {
    side: Side,
}

fn main() {}
