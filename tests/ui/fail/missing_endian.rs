use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
pub struct Tick {
    seq: U64Le,
}

fn main() {}
