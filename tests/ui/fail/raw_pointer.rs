use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Node {
    next: *const Node,
}

fn main() {}
