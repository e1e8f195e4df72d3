use shmipc::prelude::*;

#[derive(SharedEnum, Clone, Copy)]
#[repr(u16)]
pub enum Kind {
    New = 1,
    Cancel = 2,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Order {
    kind: Tag<Kind>,
}

fn main() {}
