use shmipc::prelude::*;

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "little")]
pub struct Maybe {
    value: Option<U32Le>,
}

fn main() {}
