use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Wrapper<T> {
    value: T,
}

fn main() {}
