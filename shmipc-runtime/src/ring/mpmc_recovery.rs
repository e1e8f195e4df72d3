//! The MPMC ring's process table: attaching a process (one entry per ring mapping), and the
//! judgements that recovery acts on: whether the claimant named by a slot's tag is proven dead,
//! and whether any producer or consumer is left.
//!
//! Only proof condemns: a tag's claimant is dead when its entry's epoch moved on (the entry was
//! given up or taken over: the holder that claimed is gone), or when the entry's holder is judged
//! dead by the same rule as a role or the lock (pid and start time name no running process, in a
//! pid namespace we can see: `sync/owner.rs`). A paused, slow or unknowable holder counts as
//! alive. Time plays no part in the judgement.

use core::sync::atomic::Ordering;

use super::mpmc_control::{Entry, MpmcControl};
use super::mpmc_protocol::{EPOCH_MASK, MAX_ENTRIES, Tag};
use crate::sync::RoleHolder;

/// Which side's handles to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Producer,
    Consumer,
}

impl Entry {
    fn count(&self, role: Role) -> &core::sync::atomic::AtomicU32 {
        match role {
            Role::Producer => &self.producers,
            Role::Consumer => &self.consumers,
        }
    }
}

/// Claims a free entry (or one whose holder is proven dead) for this mapping; returns its
/// index and this holder's tag. `Err(pid)`: every entry is held by a live process (one of them).
pub(crate) fn attach(control: &MpmcControl) -> Result<(usize, Tag), u32> {
    let mut last = 0;
    // A claim tries a free entry without reading `/proc`; each held entry before the first free
    // one costs a liveness check (a take-over if its holder is dead).
    for (i, e) in control.table.iter().enumerate() {
        match e.token.claim() {
            Ok(()) => {
                e.producers.store(0, Ordering::Relaxed);
                e.consumers.store(0, Ordering::Relaxed);
                // Before any claim carries the new epoch (the slot CASes are acquire/release, so a
                // judge that sees a claim of this epoch sees this store).
                let epoch = e.epoch.fetch_add(1, Ordering::AcqRel).wrapping_add(1);
                return Ok((i, Tag::new(i, epoch)));
            }
            Err(pid) => last = pid,
        }
    }
    Err(last)
}

/// Gives the entry up (when the last handle of the mapping that attached it is gone).
pub(crate) fn detach(control: &MpmcControl, entry: usize) {
    let e = &control.table[entry % MAX_ENTRIES];
    e.producers.store(0, Ordering::Relaxed);
    e.consumers.store(0, Ordering::Relaxed);
    e.token.release();
}

/// Counts a new handle of `role` in `entry`, and records that the side was seen.
pub(crate) fn add_handle(control: &MpmcControl, entry: usize, role: Role) {
    control.table[entry % MAX_ENTRIES]
        .count(role)
        .fetch_add(1, Ordering::AcqRel);
    let seen = match role {
        Role::Producer => &control.shared.producers_seen,
        Role::Consumer => &control.shared.consumers_seen,
    };
    seen.store(1, Ordering::Release);
}

/// Uncounts a dropped handle of `role` in `entry` (release: after its last operation).
pub(crate) fn remove_handle(control: &MpmcControl, entry: usize, role: Role) {
    let _ = control.table[entry % MAX_ENTRIES].count(role).fetch_update(
        Ordering::Release,
        Ordering::Relaxed,
        |n| Some(n.saturating_sub(1)),
    );
}

/// Whether the process that claimed a slot with `tag` is proven gone (reads `/proc`).
pub(crate) fn claimant_dead(control: &MpmcControl, tag: Tag) -> bool {
    let e = &control.table[tag.entry()];
    if e.epoch.load(Ordering::Acquire) & EPOCH_MASK != tag.epoch() {
        return true;
    }
    match e.token.holder() {
        RoleHolder::Dead(_) => true,
        // Given up cleanly, which a holder does only with no claim in flight: the claim is a
        // leftover (or garbage); nobody will publish it.
        RoleHolder::None => true,
        RoleHolder::Alive(_) => false,
    }
}

/// Whether the side `role` is gone: some handle of it attached once, and no entry with a live
/// handle of it is held by a process that may be running (reads `/proc` for entries with such
/// handles). Acquire: the last operations of the handles that are gone happened before.
pub(crate) fn side_gone(control: &MpmcControl, role: Role) -> bool {
    let seen = match role {
        Role::Producer => &control.shared.producers_seen,
        Role::Consumer => &control.shared.consumers_seen,
    };
    if seen.load(Ordering::Acquire) == 0 {
        return false;
    }
    !control.table.iter().any(|e| {
        e.count(role).load(Ordering::Acquire) != 0
            && matches!(e.token.holder(), RoleHolder::Alive(_))
    })
}
