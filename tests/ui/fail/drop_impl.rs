use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Guarded {
    seq: U64Le,
}

impl Drop for Guarded {
    fn drop(&mut self) {}
}

fn main() {}
