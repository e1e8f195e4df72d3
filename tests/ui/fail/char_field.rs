use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Glyph {
    code: char,
}

fn main() {}
