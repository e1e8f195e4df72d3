//! One way to create or open every primitive: [`Builder`], generic over what it builds.

use core::fmt;
use std::time::Duration;

use super::error::Error;
use super::options::SegmentOptions;
use super::raw::RawSegment;
use super::spec::SegmentSpec;

/// A primitive that lives in one named segment: [`Segment`](super::Segment), `SharedMutex`,
/// `SeqLock` and the rings. [`Builder`] creates and opens any of them the same way.
///
/// Implementing it for a primitive of your own gives it the same builder: say what the segment
/// holds ([`spec`](Self::spec)) and how to wrap the checked segment
/// ([`from_segment`](Self::from_segment)).
pub trait SharedPrimitive: Sized {
    /// Settings of this primitive beyond the segment options (a ring's capacity, a wait
    /// strategy); `()` for primitives without any.
    type Config: Clone + fmt::Debug + Default;

    /// What the segment holds with these settings: kind, layout and payload length. `Err` is a
    /// sentence saying which setting is invalid and why (reported as
    /// [`Error::InvalidOptions`]).
    fn spec(config: &Self::Config) -> Result<SegmentSpec, String>;

    /// Wraps a segment that was just created, or opened and checked against
    /// [`spec`](Self::spec).
    fn from_segment(segment: RawSegment, config: Self::Config) -> Result<Self, Error>;
}

/// Creates or opens a named [`SharedPrimitive`] with options: mode, replacing a dead creator's
/// segment, persisting after drop, open timeout, allowed owners, and the primitive's own settings.
///
/// Every primitive has `create(name)` and `open(name)` shortcuts for the defaults and
/// `builder(name)` for this.
pub struct Builder<P: SharedPrimitive> {
    pub(crate) name: String,
    pub(crate) options: SegmentOptions,
    pub(crate) config: P::Config,
}

impl<P: SharedPrimitive> Builder<P> {
    /// A builder for the segment `name` with the default options (mode 0600, fail if the name
    /// exists, unlink when the creator's handle drops, wait up to 1 s on open).
    pub fn new(name: &str) -> Self {
        Builder {
            name: name.to_owned(),
            options: SegmentOptions::default(),
            config: P::Config::default(),
        }
    }

    /// See [`SegmentOptions::mode`].
    pub fn mode(mut self, mode: u32) -> Self {
        self.options = self.options.mode(mode);
        self
    }

    /// See [`SegmentOptions::replace_dead`].
    pub fn replace_dead(mut self, replace: bool) -> Self {
        self.options = self.options.replace_dead(replace);
        self
    }

    /// See [`SegmentOptions::persist`].
    pub fn persist(mut self, persist: bool) -> Self {
        self.options = self.options.persist(persist);
        self
    }

    /// See [`SegmentOptions::open_timeout`].
    pub fn open_timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.open_timeout(timeout);
        self
    }

    /// See [`SegmentOptions::allow_owner`].
    pub fn allow_owner(mut self, uid: u32) -> Self {
        self.options = self.options.allow_owner(uid);
        self
    }

    /// Replaces all segment options at once (the primitive's own settings stay).
    pub fn options(mut self, options: SegmentOptions) -> Self {
        self.options = options;
        self
    }

    /// Creates the primitive (the name must not exist, unless a dead creator's segment may be
    /// replaced).
    pub fn create(self) -> Result<P, Error> {
        let spec = self.spec()?;
        let segment = RawSegment::create(&self.name, &spec, &self.options)?;
        P::from_segment(segment, self.config)
    }

    /// Opens the primitive another process created, checking kind, layout and size.
    pub fn open(self) -> Result<P, Error> {
        let spec = self.spec()?;
        let segment = RawSegment::open(&self.name, &spec, &self.options)?;
        P::from_segment(segment, self.config)
    }

    fn spec(&self) -> Result<SegmentSpec, Error> {
        P::spec(&self.config).map_err(|reason| Error::InvalidOptions {
            name: self.name.clone(),
            reason,
        })
    }
}

impl<P: SharedPrimitive> fmt::Debug for Builder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("primitive", &core::any::type_name::<P>())
            .field("name", &self.name)
            .field("options", &self.options)
            .field("config", &self.config)
            .finish()
    }
}
