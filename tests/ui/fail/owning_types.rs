use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Owning {
    items: Vec<u64>,
    label: String,
    boxed: Box<u64>,
}

fn main() {}
