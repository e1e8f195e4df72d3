use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub union Bits {
    a: U32Le,
    b: F32Le,
}

fn main() {}
