//! What this build expects to find in a header for a given layout, computed once per layout:
//! the encoded layout table, its checksum prefix and the fingerprint.

use std::collections::HashMap;
use std::sync::RwLock;

use super::header;
use crate::layout::Layout;

/// The header parts this build would write for one layout.
#[derive(Debug)]
pub(crate) struct Expected {
    /// The encoded layout table.
    pub table: Vec<u8>,
    /// [`header::table_hash`] of `table`.
    pub table_hash: u64,
    /// The layout's fingerprint.
    pub fingerprint: u64,
}

/// The expected header parts for `layout`, cached by its address. Layouts are `'static` and
/// finitely many, so the cache is bounded and its entries are leaked on purpose.
pub(crate) fn expected(layout: &'static Layout) -> Result<&'static Expected, &'static str> {
    static CACHE: RwLock<Option<HashMap<usize, &'static Expected>>> = RwLock::new(None);
    let key = core::ptr::from_ref(layout) as usize;
    if let Ok(cache) = CACHE.read()
        && let Some(found) = cache.as_ref().and_then(|c| c.get(&key))
    {
        return Ok(found);
    }
    let table = header::encode_table(layout)?;
    let entry: &'static Expected = Box::leak(Box::new(Expected {
        table_hash: header::table_hash(&table),
        table,
        fingerprint: layout.fingerprint(),
    }));
    if let Ok(mut cache) = CACHE.write() {
        cache.get_or_insert_with(HashMap::new).insert(key, entry);
    }
    Ok(entry)
}
