use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Borrowed {
    value: &'static u64,
}

fn main() {}
