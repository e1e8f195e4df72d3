use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "big")]
pub struct Frame {
    id: U32Le,
}

fn main() {}
