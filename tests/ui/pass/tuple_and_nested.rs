use shmipc::prelude::*;
use std::sync::atomic::{AtomicU32, AtomicU64};

#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Point(I32Le, I32Le);

// Only bytes: no byte order, so it nests in little and big layouts alike.
#[derive(SharedLayout, Clone, Copy)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Tag {
    bytes: [u8; 4],
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "big")]
pub struct Labelled {
    tag: Tag,
    id: U32Be,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little", name = "geo::Path")]
pub struct Path {
    points: [Point; 8],
    tag: Tag,
    len: U32Le,
}

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Control {
    ticks: AtomicU64,
    state: AtomicU32,
    count: u32,
    path: Path,
}

fn main() {
    assert_eq!(Point::LAYOUT.fields()[1].name(), "1");
    assert_eq!(Path::LAYOUT.name(), "geo::Path");
    assert_eq!(Control::LAYOUT.fields()[3].offset(), 16);
    assert_eq!(Labelled::LAYOUT.size(), 8);
}
