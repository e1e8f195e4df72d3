use shmipc::prelude::*;

type Len = usize;
type Flag = bool;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Hidden {
    len: Len,
    flag: Flag,
}

fn main() {}
