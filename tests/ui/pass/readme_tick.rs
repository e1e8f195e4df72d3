use shmipc::prelude::*;

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "little", version = 3)]
pub struct Tick {
    pub seq: U64Le,
    pub price_e6: I64Le,
    pub qty: U32Le,
    pub venue: [u8; 4],
}

fn main() {
    assert_eq!(Tick::LAYOUT.size(), 24);
    assert_eq!(Tick::LAYOUT.version(), 3);
}
