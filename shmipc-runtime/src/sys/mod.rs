//! Platform code. Everything that calls the operating system lives below this module.
//!
//! Linux is built and tested here. Where a Linux-only facility is used, a portable POSIX path
//! exists beside it; the cargo feature `portable` forces that path on Linux so CI exercises it.

pub mod process;
pub mod shm;
