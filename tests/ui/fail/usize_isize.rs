use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Sizes {
    len: usize,
    delta: isize,
}

fn main() {}
