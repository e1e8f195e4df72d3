//! Pinning threads to cores with `sched_setaffinity`.

/// The two cores the benchmark uses, or why it could not pin.
#[derive(Clone, Debug)]
pub struct Cores {
    /// Core of the measuring process (the consumer and the ping side).
    pub main: usize,
    /// Core of the peer process (the producer and the pong side).
    pub peer: usize,
    /// `None` if both cores could be used; otherwise what went wrong (the run continues unpinned).
    pub failure: Option<String>,
}

/// Picks the first two cores this process may run on.
pub fn choose() -> Cores {
    // SAFETY: `cpu_set_t` is plain bits; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size passed.
    let rc = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) };
    if rc != 0 {
        return unpinned(format!(
            "sched_getaffinity failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: CPU_ISSET reads a bit of the initialized set; the index is below CPU_SETSIZE.
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect();
    match cpus.as_slice() {
        [a, b, ..] => Cores {
            main: *a,
            peer: *b,
            failure: None,
        },
        _ => unpinned(format!("only {} core(s) available", cpus.len())),
    }
}

fn unpinned(why: String) -> Cores {
    Cores {
        main: 0,
        peer: 0,
        failure: Some(why),
    }
}

/// Pins the calling thread to `cpu`; an error says why it could not.
pub fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    // SAFETY: as in `choose`.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes a bit of the initialized set; `cpu` is checked against the set's size.
    unsafe {
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(std::io::Error::other(format!("no core {cpu}")));
        }
        libc::CPU_SET(cpu, &mut set);
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Pins the calling thread if `cores` allows it; returns a warning to print otherwise.
pub fn pin_or_warn(cores: &Cores, cpu: usize) -> Option<String> {
    if let Some(why) = &cores.failure {
        return Some(why.clone());
    }
    pin_current_thread(cpu)
        .err()
        .map(|e| format!("pinning to core {cpu} failed: {e}"))
}
