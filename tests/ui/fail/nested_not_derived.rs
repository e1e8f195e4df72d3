use shmipc::prelude::*;

#[repr(C)]
pub struct Px {
    mantissa: I64Le,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Quote {
    px: Px,
}

fn main() {}
