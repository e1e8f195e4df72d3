use shmipc::prelude::*;

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Inner {
    value: u32,
}

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "big")]
pub struct BigInner {
    value: U32Be,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Outer {
    native: Inner,
    big: BigInner,
}

fn main() {}
