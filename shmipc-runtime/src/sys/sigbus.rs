//! Surviving a shrunk segment: a `SIGBUS` handler scoped to shmipc's own mappings.
//!
//! Named POSIX shared memory cannot be sealed, so any process with write access can
//! `ftruncate` a segment while this process has it mapped (or, on a full tmpfs, a page of a file
//! made sparse by someone else cannot be allocated). The next touch of a lost page raises
//! `SIGBUS`, which kills the process by default. This module keeps the process alive:
//!
//! - every segment mapping is recorded in [`REGISTRY`], a fixed array of slots made of atomics
//!   (`register` when mapped, `Registration`'s drop before the unmap);
//! - on the first registration a `SIGBUS` handler is installed (once, `SA_SIGINFO | SA_ONSTACK |
//!   SA_NODEFER`), after saving the previous disposition;
//! - on a fault inside a registered range the handler maps anonymous zero pages over the whole
//!   mapping (`mmap(MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS)`), sets that slot's broken flag and
//!   returns, so the faulting instruction re-runs on zero memory;
//! - any other `SIGBUS` (outside shmipc's mappings, or sent by `kill`) goes to the previous
//!   handler; if that was the default (or ignore), the default is restored and the signal
//!   re-raised, so the process dies by `SIGBUS` as it would have without shmipc.
//!
//! The handler is async-signal-safe: it touches only lock-free atomics and calls only `mmap`,
//! `sigaction` and `raise` (raw system calls), and it saves and restores `errno`.
//!
//! What remains: writes made after the break go to private zero pages and are lost, and reads
//! return zeros until the caller notices [`Registration::is_broken`]; the other processes see
//! whatever the shrunk file holds. More than [`SLOTS`] simultaneous mappings are not protected
//! (a fault there kills as before). A file truncated and grown back before this process touches
//! it reads as zeros without a fault, so it is not detected. A `SIGBUS` handler the application
//! installs after shmipc's replaces it (chain to the one saved, as shmipc does, to keep both);
//! chaining calls the previous handler without applying its signal mask. The handler exists only
//! on Linux (also with the `portable`
//! feature, whose `shm_open` objects are `/dev/shm` files too); elsewhere registration only
//! tracks ranges. On macOS a sized shared-memory object cannot be resized, so the truncation
//! cannot happen there.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};

/// How many mappings can be protected at once.
pub(crate) const SLOTS: usize = 1024;

/// A slot's state: free.
const FREE: usize = 0;
/// A slot's state: being written by `register` (not yet, or no longer, valid).
const WRITING: usize = 1;

/// One mapped range. `state` is `FREE`, `WRITING`, or a generation (even, at least 2, unique per
/// registration), which a reader loads before and after reading `start` and `len` to detect a
/// slot reused in between.
struct Slot {
    state: AtomicUsize,
    start: AtomicUsize,
    len: AtomicUsize,
    broken: AtomicBool,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            state: AtomicUsize::new(FREE),
            start: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
        }
    }
}

/// Every protected mapping of this process.
static REGISTRY: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

/// The next generation handed out (advances by 2; a 64-bit counter never wraps in practice).
static GENERATION: AtomicUsize = AtomicUsize::new(2);

/// A registered mapping; deregisters when dropped, which must happen before the range is
/// unmapped (the owner of the mapping drops this first).
#[derive(Debug)]
pub(crate) struct Registration {
    /// The slot index and its generation; `None` if every slot was taken (unprotected).
    slot: Option<(usize, usize)>,
}

impl Registration {
    /// Whether the handler replaced this mapping with zero pages.
    pub(crate) fn is_broken(&self) -> bool {
        self.slot
            .is_some_and(|(i, _)| REGISTRY[i].broken.load(Ordering::Acquire))
    }

    /// Whether this mapping is protected (false if all [`SLOTS`] were taken).
    #[cfg(test)]
    pub(crate) fn is_protected(&self) -> bool {
        self.slot.is_some()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some((i, _)) = self.slot {
            // Release: a handler that loads FREE (or WRITING) skips the slot; one that loaded the
            // generation before still re-checks it after reading the range.
            REGISTRY[i].state.store(FREE, Ordering::Release);
        }
    }
}

/// Records `len` bytes from `start` (a mapping this process just made and keeps until the
/// returned registration drops), installing the handler on first use.
pub(crate) fn register(start: *mut u8, len: usize) -> Registration {
    imp::install_once();
    let generation = GENERATION.fetch_add(2, Ordering::Relaxed);
    for (i, slot) in REGISTRY.iter().enumerate() {
        if slot
            .state
            .compare_exchange(FREE, WRITING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            continue;
        }
        // The seqlock writer's order: the range is written after WRITING is visible.
        fence(Ordering::Release);
        slot.start.store(start as usize, Ordering::Relaxed);
        slot.len.store(len, Ordering::Relaxed);
        slot.broken.store(false, Ordering::Relaxed);
        slot.state.store(generation, Ordering::Release);
        return Registration {
            slot: Some((i, generation)),
        };
    }
    Registration { slot: None }
}

/// The registered range holding `addr`: its slot index, start and length. Async-signal-safe
/// (atomics only).
fn find(addr: usize) -> Option<(usize, usize, usize)> {
    for (i, slot) in REGISTRY.iter().enumerate() {
        let before = slot.state.load(Ordering::Acquire);
        if before < 2 {
            continue;
        }
        let start = slot.start.load(Ordering::Relaxed);
        let len = slot.len.load(Ordering::Relaxed);
        // The seqlock reader's order: the range is read before the state is checked again.
        fence(Ordering::Acquire);
        if slot.state.load(Ordering::Relaxed) != before {
            continue;
        }
        if addr >= start && addr - start < len {
            return Some((i, start, len));
        }
    }
    None
}

#[cfg(target_os = "linux")]
mod imp {
    use core::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Once;

    use super::{REGISTRY, find};

    /// The previous `SIGBUS` handler (`sa_sigaction`) and its flags, saved before installing.
    static PREVIOUS_HANDLER: AtomicUsize = AtomicUsize::new(libc::SIG_DFL);
    static PREVIOUS_FLAGS: AtomicUsize = AtomicUsize::new(0);

    /// Installs the handler, once per process.
    pub(super) fn install_once() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // SAFETY: an all-zero `sigaction` is a valid value (empty mask, no flags, SIG_DFL).
            let mut previous: libc::sigaction = unsafe { core::mem::zeroed() };
            // SAFETY: a null new action only queries; `previous` is a valid out-pointer.
            if unsafe { libc::sigaction(libc::SIGBUS, core::ptr::null(), &mut previous) } != 0 {
                return;
            }
            PREVIOUS_HANDLER.store(previous.sa_sigaction, Ordering::Relaxed);
            PREVIOUS_FLAGS.store(previous.sa_flags as usize, Ordering::Relaxed);
            // SAFETY: as above, all-zero is a valid `sigaction`.
            let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
            action.sa_sigaction = handler as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            // SAFETY: `action.sa_mask` is a valid sigset to initialize.
            unsafe { libc::sigemptyset(&mut action.sa_mask) };
            // SAFETY: `action` is fully initialized and `handler` has the three-argument
            // signature SA_SIGINFO requires; the old action is not asked for (saved above).
            unsafe { libc::sigaction(libc::SIGBUS, &action, core::ptr::null_mut()) };
        });
    }

    /// The `SIGBUS` handler.
    extern "C" fn handler(
        sig: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        // SAFETY: `__errno_location` returns this thread's errno, valid for the thread's life.
        let errno = unsafe { libc::__errno_location() };
        // SAFETY: as above; a plain read of this thread's errno.
        let saved = unsafe { *errno };
        handle(sig, info, context);
        // SAFETY: as above; restores what the interrupted code saw.
        unsafe { *errno = saved };
    }

    fn handle(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // A fault the kernel raised (si_code > 0) carries the faulting address; a signal sent by
        // `kill` or `raise` (si_code <= 0) does not, and is never ours.
        // SAFETY: with SA_SIGINFO the kernel passes a valid `siginfo_t`; `si_addr` reads the
        // union member it fills for SIGBUS faults (checked by si_code first).
        let fault = (!info.is_null() && unsafe { (*info).si_code } > 0)
            .then(|| unsafe { (*info).si_addr() } as usize);
        if let Some((i, start, len)) = fault.and_then(find) {
            // SAFETY: [start, start + len) is a mapping this process made and still holds
            // (registered at map, deregistered before unmap, and the faulting access borrows
            // it, so it cannot be unmapped meanwhile); replacing it with private anonymous zero
            // pages at the same address keeps every pointer into it valid. `mmap` is a raw
            // system call, async-signal-safe.
            let zero = unsafe {
                libc::mmap(
                    start as *mut libc::c_void,
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if zero != libc::MAP_FAILED {
                REGISTRY[i].broken.store(true, Ordering::Release);
                return;
            }
            // Could not remap: fall through and die as without the handler.
        }
        chain(sig, info, context);
    }

    /// Passes the signal to the handler that was installed before ours, or dies by it.
    fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        let previous = PREVIOUS_HANDLER.load(Ordering::Relaxed);
        let flags = PREVIOUS_FLAGS.load(Ordering::Relaxed) as libc::c_int;
        if previous == libc::SIG_DFL || previous == libc::SIG_IGN {
            // SAFETY: all-zero is a valid `sigaction` (SIG_DFL, empty mask); `sigaction` and
            // `raise` are async-signal-safe. With SA_NODEFER the raised signal is not blocked,
            // so it is delivered, now with the default action, and terminates the process; a
            // re-run of a faulting instruction would raise it again anyway.
            unsafe {
                let default: libc::sigaction = core::mem::zeroed();
                libc::sigaction(sig, &default, core::ptr::null_mut());
                libc::raise(sig);
            }
        } else if flags & libc::SA_SIGINFO != 0 {
            // SAFETY: the previous action was installed with SA_SIGINFO, so its address is a
            // three-argument handler; it gets the kernel's own arguments.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { core::mem::transmute(previous) };
            f(sig, info, context);
        } else {
            // SAFETY: without SA_SIGINFO the previous action is a one-argument handler.
            let f: extern "C" fn(libc::c_int) = unsafe { core::mem::transmute(previous) };
            f(sig);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    /// No handler off Linux (see the module documentation).
    pub(super) fn install_once() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_ranges_are_found_until_dropped() {
        let mut buf = vec![0u8; 100];
        let base = buf.as_mut_ptr();
        let reg = register(base, 100);
        assert!(reg.is_protected());
        let found = find(base as usize + 99).expect("inside");
        assert_eq!((found.1, found.2), (base as usize, 100));
        assert!(find(base as usize + 100).is_none_or(|f| f.1 != base as usize));
        assert!(!reg.is_broken());
        drop(reg);
        assert!(find(base as usize + 1).is_none_or(|f| f.1 != base as usize));
    }
}
