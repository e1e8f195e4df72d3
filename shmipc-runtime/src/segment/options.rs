//! Options for creating and opening segments.

use std::time::Duration;

/// How to create or open a segment. The defaults are the safe choice: mode `0600`, fail if the
/// name exists, unlink on drop, wait at most one second for a segment that is being initialized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentOptions {
    pub(crate) mode: u32,
    pub(crate) replace_dead: bool,
    pub(crate) persist: bool,
    pub(crate) open_timeout: Duration,
    pub(crate) allowed_owners: Vec<u32>,
    pub(crate) read_only: bool,
    pub(crate) pause_before_publish: Option<Duration>,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            mode: 0o600,
            replace_dead: false,
            persist: false,
            open_timeout: Duration::from_secs(1),
            allowed_owners: Vec::new(),
            read_only: false,
            pause_before_publish: None,
        }
    }
}

impl SegmentOptions {
    /// The defaults (see the type's documentation).
    pub fn new() -> SegmentOptions {
        SegmentOptions::default()
    }

    /// Permission bits: what `create` sets (exactly, whatever the umask), and the widest mode
    /// `open` accepts. Only the low nine bits count. Default `0o600`.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode & 0o777;
        self
    }

    /// Whether `create` may remove an existing segment of the same name whose creator is dead
    /// (and recreate it). A segment whose creator still runs is never replaced. Default `false`.
    pub fn replace_dead(mut self, replace: bool) -> Self {
        self.replace_dead = replace;
        self
    }

    /// Whether the segment outlives its creator's handle; by default the creator unlinks the name
    /// when its handle drops (processes that have it open keep their mapping).
    pub fn persist(mut self, persist: bool) -> Self {
        self.persist = persist;
        self
    }

    /// How long `open` waits for a segment that exists but is not initialized yet. Default 1 s.
    pub fn open_timeout(mut self, timeout: Duration) -> Self {
        self.open_timeout = timeout;
        self
    }

    /// Lets `open` accept a segment owned by `uid` besides this process's effective uid.
    pub fn allow_owner(mut self, uid: u32) -> Self {
        self.allowed_owners.push(uid);
        self
    }

    /// Whether `open` maps the segment read-only: the object is opened with `O_RDONLY` and mapped
    /// with `PROT_READ`, so this process needs only read permission on it (mode `0644` or `0640`
    /// with [`allow_owner`](Self::allow_owner) lets another user's reader in) and cannot change a
    /// byte of it, whatever its code does. Only primitives that never write to their segment
    /// from the opening side accept it (a value's or seqlock's readers, a broadcast ring's
    /// subscribers); the others, and `create`, fail with [`Error::InvalidOptions`]. Default
    /// `false`.
    ///
    /// [`Error::InvalidOptions`]: super::Error::InvalidOptions
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Test hook: the creator sleeps this long after writing its identity and before publishing
    /// the segment as ready, so tests can kill it while it initializes.
    #[doc(hidden)]
    pub fn pause_before_publish(mut self, pause: Duration) -> Self {
        self.pause_before_publish = Some(pause);
        self
    }
}
