use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Tick {
    seq: U64Le,
    qty: u32,
    price: f64,
}

fn main() {}
