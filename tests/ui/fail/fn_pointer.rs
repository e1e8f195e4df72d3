use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Callback {
    on_tick: fn(u64),
}

fn main() {}
