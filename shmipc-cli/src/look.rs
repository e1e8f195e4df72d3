//! Opening a segment to look at it: any segment this user can read, whatever its owner, mode,
//! kind or layout, and what an opener with default options would refuse about it.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use shmipc::segment::header::{FIXED_LEN, MAGIC};
use shmipc::segment::{SegmentHeader, normalize_name};
use shmipc::{Liveness, ProcessIdentity, RawSegment, SegmentOptions};

use crate::Failure;

/// Where POSIX shared memory lives on Linux.
pub const SHM_DIR: &str = "/dev/shm";

/// A segment opened for looking.
pub struct Look {
    /// The read-only handle (never unlinks, never written through).
    pub segment: RawSegment,
    /// Its decoded header.
    pub header: SegmentHeader,
    /// The file's permission bits.
    pub mode: u32,
    /// The file's owner.
    pub uid: u32,
}

impl Look {
    /// What an opener with default options (mode 0600, only its own uid) would refuse, as
    /// sentences with the fix; empty if it would open the segment.
    pub fn refusals(&self) -> Vec<String> {
        let mut out = Vec::new();
        let me = effective_uid();
        if self.uid != me {
            out.push(format!(
                "it is owned by uid {}, and an opener running as uid {me} refuses segments of \
                 other owners: open it with SegmentOptions::allow_owner({})",
                self.uid, self.uid
            ));
        }
        if self.mode & !0o600 != 0 {
            out.push(format!(
                "its mode {:04o} is wider than the default 0600: open it with \
                 SegmentOptions::mode(0o{:o})",
                self.mode, self.mode
            ));
        }
        out
    }
}

/// The effective uid of this process.
pub fn effective_uid() -> u32 {
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `alive` or `dead`: whether a recorded process still runs (dead only when proven).
pub fn liveness(id: &ProcessIdentity) -> &'static str {
    match id.liveness() {
        Liveness::Alive => "alive",
        Liveness::Dead => "dead",
    }
}

/// Why the file `name` (normalized, with its slash) is not a shmipc segment, if it clearly is
/// not: empty, smaller than a header, or without the magic. `None` if it may be one.
pub fn foreign_reason(name: &str) -> Option<String> {
    let path = format!("{SHM_DIR}{name}");
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() {
        return Some("it is not a regular file".to_owned());
    }
    if meta.len() == 0 {
        return Some(
            "it is empty: another program's file, or a segment whose creator has not sized it \
             yet (look again in a moment)"
                .to_owned(),
        );
    }
    if meta.len() < FIXED_LEN as u64 {
        return Some(format!(
            "it is {} bytes, smaller than a shmipc header ({FIXED_LEN} bytes): another \
             program's shared memory",
            meta.len()
        ));
    }
    let mut magic = [0u8; 8];
    let read = std::fs::File::open(&path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Err(e) => Some(format!(
            "it cannot be read ({e}): run as its owner or as root"
        )),
        Ok(()) if magic == [0; 8] => None, // still being initialized, or a creator that died early
        Ok(()) if magic != MAGIC => Some(
            "it does not start with the shmipc magic `SHMIPCSG`: another program's shared memory"
                .to_owned(),
        ),
        Ok(()) => None,
    }
}

/// Opens `name` to look at it: accepts the file's owner and any mode (the tool only reads), and
/// does not wait for a segment still being initialized.
pub fn open(name: &str) -> Result<Look, Failure> {
    let name = normalize_name(name)?;
    // Another program's file is not even mapped.
    if let Some(reason) = foreign_reason(&name) {
        return Err(not_a_segment(&name, &reason));
    }
    let meta = std::fs::metadata(format!("{SHM_DIR}{name}")).ok();
    let (mode, uid) = meta
        .as_ref()
        .map_or((0o600, effective_uid()), |m| (m.mode() & 0o777, m.uid()));
    // Read-only: the tool never writes, and needs only read permission (a group member can look
    // at a 0640 segment of another user).
    let options = SegmentOptions::new()
        .read_only(true)
        .open_timeout(Duration::ZERO)
        .mode(0o777)
        .allow_owner(uid);
    match RawSegment::open_for_inspection(&name, &options) {
        Ok((segment, header)) => Ok(Look {
            segment,
            header,
            mode,
            uid,
        }),
        // The tool does not wait: say what the segment is doing instead of how long it waited.
        Err(shmipc::Error::Timeout { state, .. }) => Err(Failure::error(format!(
            "`{name}` is still {state}: its creator has not published it yet; look again in a \
             moment, or if its creator hangs, remove it with `shmipc unlink {name}`"
        ))),
        Err(e) => Err(Failure::from(e)),
    }
}

fn not_a_segment(name: &str, reason: &str) -> Failure {
    Failure::error(format!(
        "`{name}` is not a readable shmipc segment: {reason}"
    ))
}

/// The names of every regular file in /dev/shm (with a leading slash), sorted; POSIX semaphores
/// (`sem.*`) left out.
pub fn all_names() -> Result<Vec<String>, Failure> {
    let dir = std::fs::read_dir(SHM_DIR).map_err(|e| {
        Failure::error(format!(
            "cannot read {SHM_DIR} ({e}): check that it is mounted and readable"
        ))
    })?;
    let mut names: Vec<String> = dir
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with("sem."))
        .map(|n| format!("/{n}"))
        .collect();
    names.sort();
    Ok(names)
}
