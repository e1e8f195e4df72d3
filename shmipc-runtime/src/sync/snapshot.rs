//! Read-only snapshots of the sync primitives' shared words, for tools (`shmipc inspect`) that
//! show a segment's state without its Rust type. Every function here only loads; what it returns
//! may be stale at once, and a value read from a peer's memory is reported, never trusted.

use core::sync::atomic::{AtomicU64, Ordering};

use super::lock_word::{INCONSISTENT, RawLock, WAITERS, is_corrupted, owner_pid, unpack_record};
use super::role::{RoleHolder, RoleToken, verdict};
use super::seq_protocol;
use crate::segment::{ControlBlock, RawSegment};

/// A robust lock's (or role token's) words, as read at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockSnapshot {
    /// The raw lock word.
    pub word: u32,
    /// Who holds it, judged as a locker would (dead only when proven).
    pub holder: RoleHolder,
    /// The start time in the owner record (clock ticks since boot; 0 when unknown or free).
    pub start_time: u64,
    /// The owner's pid-namespace tag (0 when unknown or free).
    pub pid_ns: u32,
    /// A holder died holding the lock and nobody marked the data consistent since.
    pub inconsistent: bool,
    /// Somebody may sleep waiting for the lock.
    pub waiters: bool,
    /// The word has bits set that no correct process sets.
    pub corrupted: bool,
}

impl LockSnapshot {
    pub(crate) fn of(raw: RawLock<'_>) -> LockSnapshot {
        let word = raw.word.load(Ordering::Acquire);
        let (record, pid_ns) = raw.owner_info();
        let pid = owner_pid(word);
        let holder = match pid {
            0 => RoleHolder::None,
            _ if verdict(pid, record, pid_ns) == super::lock_word::Verdict::Dead => {
                RoleHolder::Dead(pid)
            }
            _ => RoleHolder::Alive(pid),
        };
        LockSnapshot {
            word,
            holder,
            start_time: unpack_record(record).1,
            pid_ns,
            inconsistent: word & INCONSISTENT != 0,
            waiters: word & WAITERS != 0,
            corrupted: is_corrupted(word),
        }
    }
}

impl RoleToken {
    /// The token's words right now.
    pub fn snapshot(&self) -> LockSnapshot {
        LockSnapshot::of(self.raw())
    }
}

/// The lock of a mutex segment (kind `mutex`), and the payload offset of its value. `None` if the
/// payload is too short to be a mutex's.
///
/// ```
/// # use shmipc_runtime::{RawSegment, SegmentKind, SegmentOptions, SegmentSpec};
/// # let name = format!("/shmipc-test-doc-mtx-{}", std::process::id());
/// # let spec = SegmentSpec::new(SegmentKind::Mutex, &shmipc_runtime::ERROR_STUB_LAYOUT, 64);
/// # let _made = RawSegment::create(&name, &spec, &SegmentOptions::new()).unwrap();
/// let (segment, _) = RawSegment::open_for_inspection(&name, &SegmentOptions::new()).unwrap();
/// let (lock, value_at) = shmipc_runtime::sync::mutex_snapshot(&segment).unwrap();
/// assert_eq!(lock.holder, shmipc_runtime::sync::RoleHolder::None);
/// assert_eq!(value_at, 64);
/// ```
pub fn mutex_snapshot(segment: &RawSegment) -> Option<(LockSnapshot, usize)> {
    (segment.payload_len() >= super::mutex::VALUE_OFFSET).then(|| {
        (
            LockSnapshot::of(super::mutex::lock_of(segment).raw()),
            super::mutex::VALUE_OFFSET,
        )
    })
}

/// The first 24 bytes of the seqlock's control block, as `sync/seqlock.rs` documents them.
#[repr(C)]
struct SeqLockWords {
    seq: AtomicU64,
    writer: RoleToken,
}

const _: () = {
    assert!(core::mem::offset_of!(SeqLockWords, seq) == 0);
    assert!(core::mem::offset_of!(SeqLockWords, writer) == 8);
    assert!(size_of::<SeqLockWords>() == 24);
};

// SAFETY: only atomics (`RoleToken` is made of atomics), alignment 8.
unsafe impl ControlBlock for SeqLockWords {}

/// Bytes before a seqlock's first slot (its 64-byte control block).
const SEQLOCK_CONTROL: usize = 64;

/// A seqlock segment's state (kind `seqlock`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqLockSnapshot {
    /// Completed writes (0: no value yet; odd or even means nothing, unlike classic seqlocks).
    pub sequence: u64,
    /// The writer role.
    pub writer: LockSnapshot,
    /// The latest complete value's bytes, if one was written and a consistent copy was taken.
    pub value: Option<Vec<u8>>,
}

/// The state of a seqlock segment whose values are `value_size` bytes. `None` if the payload is
/// too short for a seqlock of such values.
pub fn seqlock_snapshot(segment: &RawSegment, value_size: usize) -> Option<SeqLockSnapshot> {
    let stride = value_size.div_ceil(64).checked_mul(64)?;
    let needed = stride
        .checked_mul(seq_protocol::SLOTS)?
        .checked_add(SEQLOCK_CONTROL)?;
    if segment.payload_len() < needed {
        return None;
    }
    let words = segment.control::<SeqLockWords>();
    let mut value = None;
    let mut sequence = words.seq.load(Ordering::Acquire);
    for _ in 0..64 {
        let attempt = seq_protocol::try_read(&words.seq, |slot| {
            let mut bytes = vec![0u8; value_size];
            segment
                .read_payload(SEQLOCK_CONTROL + slot * stride, &mut bytes)
                .then_some(bytes)
        });
        if let Some((seq, bytes)) = attempt {
            sequence = seq;
            value = bytes.filter(|_| seq != 0);
            break;
        }
    }
    Some(SeqLockSnapshot {
        sequence,
        writer: words.writer.snapshot(),
        value,
    })
}
