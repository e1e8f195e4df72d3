use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Shapes {
    pair: (u32, u32),
    nothing: (),
}

fn main() {}
