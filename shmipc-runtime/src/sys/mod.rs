//! Platform code. Everything that calls the operating system lives below this module.
//!
//! Linux is built and tested here. Where a Linux-only facility is used, a portable POSIX path
//! exists beside it; the cargo feature `portable` forces that path on Linux so CI exercises it.

pub mod membarrier;
pub mod process;
pub mod shm;

/// Whether this build uses the portable POSIX paths: no futex (waiters poll, so wake-ups are not
/// counted), no `/proc` (a killed but unreaped process looks alive), `shm_open` with macOS' 31-byte
/// names. True off Linux, or with the cargo feature `portable`.
pub const PORTABLE: bool = cfg!(any(feature = "portable", not(target_os = "linux")));
