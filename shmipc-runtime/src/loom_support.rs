//! The harness shared by the loom models (`sync/loom_models.rs`, `ring/loom_models.rs`): the
//! model's bounds, threads over a shared value, and the futex as the kernel provides it.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;

/// Checks `f` in every interleaving loom explores with at most three preemptions (the bound that
/// keeps the models' running time in minutes; every break listed in the models is found within it).
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.check(f);
}

/// Spawns a thread that runs `f` on its own handle of `shared` (loom's threads need no `Send`).
pub(crate) fn spawn<S: 'static, R: 'static>(
    shared: &Arc<S>,
    f: impl FnOnce(&S) -> R + 'static,
) -> thread::JoinHandle<R> {
    let shared = Arc::clone(shared);
    thread::spawn(move || f(&shared))
}

/// The futex, as the kernel provides it: `wait` sleeps only if the word still holds the expected
/// value, checked atomically with enqueueing (here: under one mutex); `wake` wakes the sleepers.
pub(crate) struct Futex {
    queue: loom::sync::Mutex<()>,
    sleepers: loom::sync::Condvar,
}

impl Futex {
    /// A futex nobody sleeps on.
    pub(crate) fn new() -> Futex {
        Futex {
            queue: loom::sync::Mutex::new(()),
            sleepers: loom::sync::Condvar::new(),
        }
    }

    /// Sleeps until woken if `word` still holds `expected`; returns at once otherwise.
    pub(crate) fn wait(&self, word: &AtomicU32, expected: u32) {
        let q = self.queue.lock().unwrap();
        if word.load(Ordering::Relaxed) == expected {
            drop(self.sleepers.wait(q).unwrap());
        }
    }

    /// Wakes every sleeper.
    pub(crate) fn wake(&self) {
        let _q = self.queue.lock().unwrap();
        self.sleepers.notify_all();
    }
}
