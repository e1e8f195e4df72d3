use shmipc::prelude::*;

#[derive(SharedEnum)]
#[repr(u8)]
pub enum Side {
    Buy = 1,
    Sell,
    Cancel(u8) = 3,
}

#[derive(SharedEnum)]
pub enum NoRepr {
    A = 1,
}

#[derive(SharedEnum)]
#[repr(i64)]
#[shm(endian = "little")]
pub enum Wide {
    A = 1,
}

fn main() {}
