//! The README's sync example, compiled and run.

use shmipc::{LockError, SeqLock, SharedMutex};
use shmipc_schemas::{Ping, Tick};
use shmipc_tests::{ShmCleanup, unique_name};

#[test]
fn readme_example() -> Result<(), Box<dyn std::error::Error>> {
    let (counter, last_tick) = (unique_name("ra"), unique_name("rb"));
    let _cleanup = ShmCleanup::new([counter.clone(), last_tick.clone()]);

    let m = SharedMutex::<Ping>::create(&counter)?;
    let mut g = match m.lock() {
        Ok(g) => g,
        Err(LockError::OwnerDied(mut g) | LockError::Corrupted { guard: mut g, .. }) => {
            g.mark_consistent();
            g
        }
        Err(e) => panic!("{e}"),
    };
    g.seq += 1;
    drop(g);

    let mut ticks = SeqLock::<Tick>::create(&last_tick)?;
    ticks.write(&Tick::default())?;
    let last: Tick = ticks.read()?;
    assert_eq!(last, Tick::default());
    assert_eq!(m.lock().map(|g| g.seq).ok(), Some(1));
    Ok(())
}
