use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Flags {
    ready: bool,
}

fn main() {}
