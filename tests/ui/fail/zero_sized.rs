use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Unit;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Empty {}

fn main() {}
