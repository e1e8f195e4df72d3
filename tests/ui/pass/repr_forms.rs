use shmipc::prelude::*;

// `align(N)` in the same attribute as `C`, or in its own attribute, both work.
#[derive(SharedLayout)]
#[repr(C, align(64))]
#[shm(endian = "little")]
pub struct CacheLine {
    seq: U64Le,
    _pad: [u8; 56],
}

#[derive(SharedLayout)]
#[repr(C)]
#[repr(align(16))]
#[shm(endian = "big")]
pub struct Split {
    a: U64Be,
    b: U32Be,
    _pad: [u8; 4],
}

fn main() {
    assert_eq!((CacheLine::LAYOUT.size(), CacheLine::LAYOUT.align()), (64, 64));
    assert_eq!((Split::LAYOUT.size(), Split::LAYOUT.align()), (16, 16));
}
