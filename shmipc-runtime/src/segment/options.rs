//! Options for creating and opening segments.

use std::time::Duration;

/// How to create or open a segment. The defaults are the safe choice: mode `0600`, fail if the
/// name exists, unlink on drop, wait at most one second for a segment that is being initialized,
/// and fail at once with [`Error::NotFound`](super::Error::NotFound) for a name that does not
/// exist (a typo should not cost a timeout; [`wait_for_creation`](Self::wait_for_creation) waits
/// for a creator that starts later).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentOptions {
    pub(crate) mode: u32,
    pub(crate) replace_dead: bool,
    pub(crate) persist: bool,
    pub(crate) open_timeout: Duration,
    pub(crate) allowed_owners: Vec<u32>,
    pub(crate) read_only: bool,
    pub(crate) wait_for_creation: bool,
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
            wait_for_creation: false,
            pause_before_publish: None,
        }
    }
}

/// Writes setters that store their argument as it is: `name(arg: Type) => field;` is
/// `pub fn name(mut self, arg: Type) -> Self`, with the doc comment written before it.
macro_rules! plain_setters {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.$field = $arg;
                self
            }
        )*
    };
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

    plain_setters! {
        /// Whether `create` may remove an existing segment of the same name whose creator is dead
        /// (and recreate it). A segment whose creator still runs is never replaced. Default
        /// `false`.
        replace_dead(replace: bool) => replace_dead;

        /// Whether the segment outlives its creator's handle; by default the creator unlinks the
        /// name when its handle drops (processes that have it open keep their mapping).
        persist(persist: bool) => persist;

        /// How long `open` waits for a segment that exists but is not initialized yet (and, with
        /// [`wait_for_creation`](Self::wait_for_creation), for one that does not exist yet), and
        /// how long `open_or_create` keeps retrying. Default 1 s.
        open_timeout(timeout: Duration) => open_timeout;

        /// Whether `open` maps the segment read-only: the object is opened with `O_RDONLY` and
        /// mapped with `PROT_READ`, so this process needs only read permission on it (mode `0644`
        /// or `0640` with [`allow_owner`](Self::allow_owner) lets another user's reader in) and
        /// cannot change a byte of it, whatever its code does. Only primitives that never write to
        /// their segment from the opening side accept it (a value's or seqlock's readers, a
        /// broadcast ring's subscribers); the others, and `create`, fail with
        /// [`Error::InvalidOptions`]. Default `false`.
        ///
        /// [`Error::InvalidOptions`]: super::Error::InvalidOptions
        read_only(read_only: bool) => read_only;

        /// Whether `open` also waits, up to the [open timeout](Self::open_timeout), for a name that
        /// does not exist yet, so that processes can start in any order: it retries (yielding, then
        /// sleeping a millisecond at a time) until the creator has created and published the
        /// segment, and fails with [`Error::Timeout`](super::Error::Timeout) if nobody did in time.
        /// Default `false`: a missing name is [`Error::NotFound`](super::Error::NotFound) at once.
        /// For peers that are symmetric (either may come first), use
        /// [`Builder::open_or_create`](super::Builder::open_or_create) instead.
        wait_for_creation(wait: bool) => wait_for_creation;
    }

    /// Lets `open` accept a segment owned by `uid` besides this process's effective uid.
    pub fn allow_owner(mut self, uid: u32) -> Self {
        self.allowed_owners.push(uid);
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
