//! The lock-word state machine driven by arbitrary peer writes: three honest owners lock, take
//! over, announce themselves and unlock, while a hostile peer overwrites the word and the record
//! with anything. Checked: no panic; a successful acquisition always leaves a valid word naming
//! the acquirer and its record; while nobody wrote garbage since the last clean state, the lock
//! excludes (a second owner is refused, naming the holder) and a take-over happens only from an
//! owner judged dead.

use crate::Bytes;
use crate::atomic::Ordering;
use crate::lock_word::{
    Acquired, INCONSISTENT, LockWords, Owner, RESERVED, Verdict, WAITERS, is_corrupted, owner_pid,
    pack_record,
};

const OWNERS: [Owner; 3] = [
    Owner {
        pid: 11,
        record: pack_record(11, 1000),
        ns: 7,
    },
    Owner {
        pid: 12,
        record: pack_record(12, 2000),
        ns: 7,
    },
    Owner {
        pid: 4_194_303,
        record: pack_record(4_194_303, u64::MAX),
        ns: u32::MAX,
    },
];

/// Checks the words right after `who` obtained the lock as `how` from `seen`.
fn check_acquired(w: &LockWords, who: Owner, how: Acquired) {
    let word = w.word.load(Ordering::Relaxed);
    assert_eq!(owner_pid(word), who.pid, "{how:?}: word {word:#x}");
    assert_eq!(
        word & RESERVED,
        0,
        "{how:?}: acquired word {word:#x} is corrupted"
    );
    assert_eq!(w.record.load(Ordering::Relaxed), who.record, "{how:?}");
    match how {
        Acquired::Clean => assert_eq!(word & INCONSISTENT, 0),
        Acquired::OwnerDied => assert_ne!(word & INCONSISTENT, 0),
        Acquired::Corrupted(old) => {
            assert!(is_corrupted(old), "Corrupted({old:#x}) from a valid word");
            assert_ne!(word & INCONSISTENT, 0);
        }
    }
}

/// Runs the operations encoded in `data`.
pub fn run(data: &[u8]) {
    let w = LockWords::default();
    let lock = w.raw();
    let mut b = Bytes(data);
    // Our bookkeeping of the holder, valid while `clean` (no garbage written since it was set).
    let mut holder: Option<usize> = None;
    let mut clean = true;
    let mut ops = 0;
    while !b.is_empty() && ops < 4096 {
        ops += 1;
        let op = b.u8();
        let who = usize::from(op >> 4) % OWNERS.len();
        let me = OWNERS[who];
        match op % 6 {
            0 => {
                w.word.store(b.u32(), Ordering::Relaxed);
                clean = false;
            }
            1 => {
                w.record.store(b.u64(), Ordering::Relaxed);
                clean = false;
            }
            2 => match lock.try_acquire(me, b.u8() & 1 != 0) {
                Ok(how) => {
                    if clean && !matches!(how, Acquired::Corrupted(_)) {
                        assert_eq!(holder, None, "{who} acquired a lock held by {holder:?}");
                    }
                    check_acquired(&w, me, how);
                    (holder, clean) = (Some(who), true);
                }
                Err(seen) => {
                    assert!(
                        !is_corrupted(seen) && owner_pid(seen) != 0,
                        "refused by {seen:#x}"
                    );
                    if clean {
                        let h = holder.expect("refused while free");
                        assert_eq!(owner_pid(seen), OWNERS[h].pid);
                    }
                }
            },
            3 => {
                let seen = if b.u8() & 1 == 0 {
                    w.word.load(Ordering::Relaxed)
                } else {
                    b.u32()
                };
                let dead = b.u8() & 1 != 0;
                let mut judged = false;
                let taken = lock.try_take_over(seen, me, |pid, _record, _ns| {
                    assert_eq!(pid, owner_pid(seen));
                    judged = true;
                    if dead { Verdict::Dead } else { Verdict::Alive }
                });
                if let Some(how) = taken {
                    assert!(
                        is_corrupted(seen) || (judged && dead),
                        "took over {seen:#x} without a dead verdict"
                    );
                    check_acquired(&w, me, how);
                    (holder, clean) = (Some(who), true);
                }
            }
            4 => {
                let seen = w.word.load(Ordering::Relaxed);
                match lock.announce_waiter(seen) {
                    Ok(sleep_on) => {
                        assert_ne!(sleep_on & WAITERS, 0);
                        assert_eq!(sleep_on & !WAITERS, seen & !WAITERS);
                        assert_eq!(w.word.load(Ordering::Relaxed), sleep_on);
                    }
                    Err(now) => assert_ne!(now, seen),
                }
            }
            _ => {
                // Only a holder releases (by our bookkeeping, or whoever the word names once
                // garbage was written: a real process releases what it believes it holds).
                let owner = if clean { holder } else { Some(who) };
                if owner.is_some() {
                    let consistent = b.u8() & 1 != 0;
                    let before = w.word.load(Ordering::Relaxed);
                    let wake = lock.release(consistent);
                    assert_eq!(wake, before & WAITERS != 0);
                    let after = w.word.load(Ordering::Relaxed);
                    assert_eq!(after, if consistent { 0 } else { INCONSISTENT });
                    assert_eq!(w.record.load(Ordering::Relaxed), 0);
                    (holder, clean) = (None, true);
                }
            }
        }
    }
}
