//! The header checksum: FNV-1a 64 over the layout table, then over the fixed part with the state
//! word and the checksum field read as zeroes.

use super::{CHECKSUM_OFFSET, FIXED_LEN, STATE_OFFSET, TABLE_LEN_OFFSET, get32};
use crate::fingerprint::{FNV_OFFSET_BASIS, fnv1a};

/// The header checksum of `bytes` (the header from offset 0 through the end of the layout
/// table): FNV-1a 64 over the layout table first, then over the fixed part with the state word
/// and the checksum field read as zeroes. (Table first, so an opener can cache the table's part.)
pub fn checksum(bytes: &[u8]) -> u64 {
    checksum_after_table(table_hash(&bytes[FIXED_LEN..]), &bytes[..FIXED_LEN])
}

/// Rewrites the checksum field of the header in `bytes` to match its fixed part and its layout
/// table (as much of the table as `bytes` holds), so that an edited header gets past the
/// checksum to the checks behind it. Does nothing if `bytes` is shorter than the fixed part. For
/// hostile-header tests and fuzzing; creators write headers with `encode`.
#[doc(hidden)]
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < FIXED_LEN {
        return;
    }
    let table_len = get32(bytes, TABLE_LEN_OFFSET) as usize;
    let end = FIXED_LEN.saturating_add(table_len).min(bytes.len());
    let sum = checksum(&bytes[..end]);
    bytes[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 8].copy_from_slice(&sum.to_le_bytes());
}

/// The FNV-1a 64 state after hashing the layout table (the first half of [`checksum`]).
pub fn table_hash(table: &[u8]) -> u64 {
    fnv1a(FNV_OFFSET_BASIS, table)
}

/// Finishes [`checksum`] over the fixed part, given [`table_hash`] of the table.
pub fn checksum_after_table(table_hash: u64, fixed: &[u8]) -> u64 {
    let hash = fnv1a(table_hash, &fixed[..STATE_OFFSET]);
    let hash = fnv1a(hash, &[0; 4]);
    let hash = fnv1a(hash, &fixed[STATE_OFFSET + 4..CHECKSUM_OFFSET]);
    let hash = fnv1a(hash, &[0; 8]);
    fnv1a(hash, &fixed[CHECKSUM_OFFSET + 8..FIXED_LEN])
}
