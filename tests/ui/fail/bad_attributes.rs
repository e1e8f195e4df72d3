use shmipc::prelude::*;

// Every attribute mistake of one struct is reported at once.
#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "middle", version = 70000000000, colour = "red")]
#[shm(name = "has space", version = 2)]
pub struct Tick {
    seq: U64Le,
}

fn main() {}
