//! The shared-memory side of a header: mapping a segment's object, its state word, and copying
//! the fixed header out of (or into) the mapping.
//!
//! This process touches a mapped header only through this module: the state word through
//! [`StateWord`] (32-bit atomics), every other header byte through the byte-wise atomic copies of
//! [`super::shared`]. That is the invariant every `SAFETY` comment below relies on.

use core::sync::atomic::{AtomicU32, Ordering};
use std::fs::File;

use memmap2::{MmapOptions, MmapRaw};

use crate::sys::sigbus::{self, Registration};

use super::error::Error;
use super::header::{FIXED_LEN, STATE_OFFSET};
use super::shared::{atomic_u32, copy_from_shared, copy_to_shared};

/// A segment's shared mapping, registered with the `SIGBUS` defence ([`crate::sys::sigbus`]):
/// if another process shrinks the file, a touch of a lost page does not kill this process; the
/// whole mapping is replaced with private zero pages and [`Mapping::is_broken`] turns true.
#[derive(Debug)]
pub(crate) struct Mapping {
    // Declared first, so it is dropped (deregistered) before `map` is unmapped: the handler never
    // sees a range that is no longer this mapping.
    registration: Registration,
    map: MmapRaw,
    read_only: bool,
}

impl Mapping {
    /// The first byte of the mapping (page-aligned, never null).
    pub(crate) fn as_mut_ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// The mapping's length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the pages are mapped `PROT_READ` only ([`map_with`]): a store faults.
    pub(crate) fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Whether the mapping lost its file's pages (truncated by another process, or no space for a
    /// page) and now holds private zero pages.
    pub(crate) fn is_broken(&self) -> bool {
        self.registration.is_broken()
    }

    /// [`Error::Truncated`] if the mapping [`is_broken`](Mapping::is_broken).
    pub(crate) fn check_intact(&self, name: &str) -> Result<(), Error> {
        if self.is_broken() {
            return Err(Error::Truncated {
                name: name.to_owned(),
            });
        }
        Ok(())
    }
}

/// Maps the first `len` bytes of `file`, shared and writable, and registers the range with the
/// `SIGBUS` defence.
pub(crate) fn map(file: &File, len: usize, name: &str) -> Result<Mapping, Error> {
    map_with(file, len, name, false)
}

/// Maps the first `len` bytes of `file`, shared, and registers the range with the `SIGBUS`
/// defence: writable, or (`read_only`, for a file that may be open read-only) `PROT_READ` only,
/// so that nothing this process does can change the segment through it (a store faults).
pub(crate) fn map_with(
    file: &File,
    len: usize,
    name: &str,
    read_only: bool,
) -> Result<Mapping, Error> {
    let mut options = MmapOptions::new();
    options.len(len);
    let map = if read_only {
        options.map_raw_read_only(file)
    } else {
        options.map_raw(file)
    }
    .map_err(|e| Error::from_io(name, "map", e))?;
    let registration = sigbus::register(map.as_mut_ptr(), map.len());
    Ok(Mapping {
        registration,
        map,
        read_only,
    })
}

/// The header's 32-bit state word, stored little-endian; this type owns the conversion, so a
/// caller never sees (or swaps twice) the stored representation.
pub(crate) struct StateWord<'a>(&'a AtomicU32);

impl<'a> StateWord<'a> {
    /// The state word of the header at the start of `map`.
    ///
    /// # Panics
    ///
    /// If `map` is shorter than a fixed header (callers map at least that much).
    pub(crate) fn of(map: &'a Mapping) -> StateWord<'a> {
        assert!(map.len() >= FIXED_LEN, "mapping shorter than a header");
        // SAFETY: a mapping starts page-aligned, so offset 12 is 4-byte aligned, and it lies in
        // bounds (asserted); this process accesses the state word only through this type's
        // 32-bit atomics (module invariant); the borrow of `map` keeps the mapping alive for 'a.
        StateWord(unsafe { atomic_u32(map.as_mut_ptr().add(STATE_OFFSET)) })
    }

    /// The state (`STATE_EMPTY`, `STATE_INITIALIZING`, `STATE_READY`, or a forged value).
    pub(crate) fn load(&self, order: Ordering) -> u32 {
        u32::from_le(self.0.load(order))
    }

    /// Publishes `state`. Only a creator does, through its writable mapping.
    pub(crate) fn store(&self, state: u32, order: Ordering) {
        self.0.store(state.to_le(), order);
    }
}

/// Copies the fixed header out of `map` into `out`, leaving `out`'s state word bytes untouched
/// (the state word is only read through [`StateWord`]).
///
/// # Panics
///
/// If `map` is shorter than a fixed header.
pub(crate) fn copy_fixed_out(map: &Mapping, out: &mut [u8; FIXED_LEN]) {
    assert!(map.len() >= FIXED_LEN, "mapping shorter than a header");
    let base = map.as_mut_ptr();
    // SAFETY: FIXED_LEN bytes are mapped (asserted) and live while `map` is borrowed; the state
    // word is skipped, and the other header bytes are accessed only through byte-wise atomic
    // copies (module invariant).
    unsafe {
        copy_from_shared(base, &mut out[..STATE_OFFSET]);
        copy_from_shared(base.add(STATE_OFFSET + 4), &mut out[STATE_OFFSET + 4..]);
    }
}

/// Copies the fixed header `fixed` into `map`, skipping the state word (published separately
/// through [`StateWord`]).
///
/// # Panics
///
/// If `map` is shorter than a fixed header.
pub(crate) fn copy_fixed_in(fixed: &[u8; FIXED_LEN], map: &Mapping) {
    assert!(map.len() >= FIXED_LEN, "mapping shorter than a header");
    let base = map.as_mut_ptr();
    // SAFETY: as in `copy_fixed_out`, for writes.
    unsafe {
        copy_to_shared(&fixed[..STATE_OFFSET], base);
        copy_to_shared(&fixed[STATE_OFFSET + 4..], base.add(STATE_OFFSET + 4));
    }
}

/// Copies the header past its fixed part (`bytes[FIXED_LEN..]`) into `map`.
///
/// # Panics
///
/// If `map` is shorter than `bytes`.
pub(crate) fn copy_rest_in(bytes: &[u8], map: &Mapping) {
    assert!(map.len() >= bytes.len(), "mapping shorter than the header");
    let rest = bytes.get(FIXED_LEN..).unwrap_or(&[]);
    // SAFETY: `bytes.len()` bytes are mapped (asserted) and live while `map` is borrowed; the
    // range skips the state word, and header bytes are accessed only through atomic copies.
    unsafe { copy_to_shared(rest, map.as_mut_ptr().add(FIXED_LEN)) };
}

/// Copies the published header past its fixed part out of `map` into `out`
/// (`bytes[FIXED_LEN..header_len]` of the caller's copy).
///
/// Byte-wise, the creator's width ([`copy_rest_in`]): a peer may forge the ready state early,
/// while a creator thread of this process is still writing these bytes, and a copy with wider
/// atomics would then race with its byte stores (mixed-size accesses, which the Rust memory
/// model does not define). With the same width on both sides such a copy only sees a mix of old
/// and new bytes, which the header checks then reject.
///
/// # Panics
///
/// If `map` is shorter than `FIXED_LEN + out.len()`.
pub(crate) fn copy_published_rest_out(map: &Mapping, out: &mut [u8]) {
    assert!(
        FIXED_LEN + out.len() <= map.len(),
        "mapping shorter than the header"
    );
    // SAFETY: `FIXED_LEN + out.len()` bytes are mapped (asserted) and live while `map` is
    // borrowed; the range skips the state word, and header bytes are accessed only through
    // byte-wise atomic copies in this process (module invariant), so nothing races mixed-size.
    unsafe { copy_from_shared(map.as_mut_ptr().add(FIXED_LEN), out) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::shm;
    use crate::test_support::unique_name;

    /// Reads every byte of the mapping through the shared-memory copies.
    fn sum(map: &Mapping) -> u64 {
        let mut bytes = vec![0u8; map.len()];
        // SAFETY: `map.len()` bytes are mapped while `map` is borrowed; no other thread of this
        // test writes them.
        unsafe { copy_from_shared(map.as_mut_ptr(), &mut bytes) };
        bytes.iter().map(|&b| u64::from(b)).sum()
    }

    #[test]
    fn a_truncated_mapping_reads_zeros_and_reports_broken() {
        let (name, _unlink) = unique_name("trc");
        let file = shm::create(&name, 0o600).expect("create");
        shm::reserve(&file, 8192).expect("reserve");
        let map = map(&file, 8192, &name).expect("map");
        // SAFETY: 8192 bytes are mapped; only this test touches them.
        unsafe { copy_to_shared(&[7u8; 8192], map.as_mut_ptr()) };
        assert_eq!(sum(&map), 7 * 8192);
        assert!(!map.is_broken());
        assert!(map.check_intact(&name).is_ok());
        file.set_len(0).expect("truncate");
        // Without the handler this read dies by SIGBUS.
        assert_eq!(sum(&map), 0, "the lost pages read as zeros");
        assert!(map.is_broken());
        assert!(matches!(
            map.check_intact(&name),
            Err(Error::Truncated { .. })
        ));
        // Writes land in the private zero pages and are kept there.
        // SAFETY: as above.
        unsafe { copy_to_shared(&[1u8; 8192], map.as_mut_ptr()) };
        assert_eq!(sum(&map), 8192);
    }
}
