//! A named shared mapping (a file in `/dev/shm`) for the hand-written baselines.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use memmap2::MmapRaw;

/// A shared mapping of a `/dev/shm` file; the creator removes the file on drop.
pub struct SharedMap {
    map: MmapRaw,
    path: PathBuf,
    creator: bool,
}

fn path_of(name: &str) -> PathBuf {
    PathBuf::from("/dev/shm").join(name.trim_start_matches('/'))
}

impl SharedMap {
    /// Creates `name` (fails if it exists) with `len` zeroed bytes and maps it.
    pub fn create(name: &str, len: usize) -> SharedMap {
        let path = path_of(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        file.set_len(len as u64).expect("size the shared file");
        SharedMap {
            map: map(&file),
            path,
            creator: true,
        }
    }

    /// Maps the existing `name`.
    pub fn open(name: &str) -> SharedMap {
        let path = path_of(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        SharedMap {
            map: map(&file),
            path,
            creator: false,
        }
    }

    /// Start of the mapping (page-aligned).
    pub fn ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// Length of the mapping in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True if the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }
}

fn map(file: &File) -> MmapRaw {
    MmapRaw::map_raw(file).expect("map the shared file")
}

impl Drop for SharedMap {
    fn drop(&mut self) {
        if self.creator {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
