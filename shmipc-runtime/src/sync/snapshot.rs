//! Read-only snapshots of the sync primitives' shared words, for tools (`shmipc inspect`) that
//! show a segment's state without its Rust type. Every function here only loads; what it returns
//! may be stale at once, and a value read from a peer's memory is reported, never trusted.

use core::sync::atomic::{AtomicU64, Ordering};

use super::lock_word::{INCONSISTENT, RawLock, WAITERS, is_corrupted, owner_pid, unpack_record};
use super::role::{RoleHolder, RoleToken, verdict};
use super::seqlock::{CONTROL, SeqLockControl, slot_geometry};
use super::seq_protocol;
use crate::segment::RawSegment;

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

/// The stamps of a seqlock segment whose slots are `stride` bytes apart with the stamp at
/// `stamp` in each (checked to lie in the payload when made).
struct PayloadStamps<'a> {
    segment: &'a RawSegment,
    stamp: usize,
    stride: usize,
}

impl seq_protocol::Stamps for PayloadStamps<'_> {
    fn stamp(&self, i: usize) -> &AtomicU64 {
        let at = CONTROL + (i % seq_protocol::SLOTS) * self.stride + self.stamp;
        // SAFETY: `seqlock_snapshot` checked that the payload holds the control block and SLOTS
        // slots of `stride` bytes with an 8-byte stamp at `stamp` (a multiple of 8) in each, so
        // `at + 8 <= payload_len()`; the payload is 64-aligned and CONTROL and `stride` are
        // multiples of 64, so the word is 8-aligned; it lives while the segment is borrowed, and
        // a snapshot accesses it only with atomic loads (as every process does).
        unsafe { AtomicU64::from_ptr(self.segment.payload().as_ptr().add(at).cast()) }
    }
}

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
    let (stamp, stride) = slot_geometry(value_size)?;
    let needed = stride
        .checked_mul(seq_protocol::SLOTS)?
        .checked_add(CONTROL)?;
    if segment.payload_len() < needed {
        return None;
    }
    // SAFETY: a snapshot only loads (the segment may be mapped read-only).
    let words = unsafe { segment.control_read_only::<SeqLockControl>() };
    let stamps = PayloadStamps {
        segment,
        stamp,
        stride,
    };
    let mut value = None;
    let mut sequence = words.seq.load(Ordering::Acquire);
    for _ in 0..64 {
        let attempt = seq_protocol::try_read(&words.seq, &stamps, |slot| {
            let mut bytes = vec![0u8; value_size];
            segment
                .read_payload(CONTROL + slot * stride, &mut bytes)
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
