use shmipc::prelude::*;

// Soundness does not rest on spelling: an alias or wrapper that hides a pointer is rejected by
// the sealed field trait.
type Handle = *mut u8;

pub struct Opaque(*const u8);
type Wrapped = [Opaque; 2];

#[derive(SharedLayout)]
#[repr(C)]
#[shm(endian = "native")]
pub struct Hidden {
    handle: Handle,
    wrapped: Wrapped,
}

fn main() {}
