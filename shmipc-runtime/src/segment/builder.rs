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

    /// Whether [`from_segment`](Self::from_segment) accepts a segment opened
    /// [read-only](SegmentOptions::read_only) (and then never writes to it). `false` by default:
    /// the builder refuses a read-only open of a primitive that writes from every side (a lock's
    /// lockers, a ring's consumer).
    const OPENS_READ_ONLY: bool = false;
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

/// Writes builder methods that set the [`SegmentOptions`] option of the same name, each
/// documented as a pointer to that option.
macro_rules! forward_to_options {
    ($($option:ident($arg:ident: $ty:ty)),* $(,)?) => {$(
        #[doc = concat!("See [`SegmentOptions::", stringify!($option), "`].")]
        pub fn $option(mut self, $arg: $ty) -> Self {
            self.options = self.options.$option($arg);
            self
        }
    )*};
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

    forward_to_options! {
        mode(mode: u32),
        replace_dead(replace: bool),
        persist(persist: bool),
        open_timeout(timeout: Duration),
        allow_owner(uid: u32),
        read_only(read_only: bool),
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
        if self.options.read_only && !P::OPENS_READ_ONLY {
            return Err(Error::InvalidOptions {
                name: self.name,
                reason: format!(
                    "a {} writes to its segment from every side, so it cannot be opened \
                     read-only; open it without `read_only`",
                    short_type_name::<P>()
                ),
            });
        }
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

/// `P`'s name without its module path or generic arguments (`SharedMutex` for
/// `shmipc_runtime::sync::SharedMutex<app::Tick>`).
fn short_type_name<P>() -> &'static str {
    let full = core::any::type_name::<P>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
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

/// Writes a primitive's `create(name)`, `open(name)` and `builder(name)` shortcuts inside its
/// inherent `impl`, each with the doc comment written before its name:
///
/// ```ignore
/// impl<T: SharedLayout> SharedMutex<T> {
///     primitive_shortcuts! {
///         /// Creates the named mutex segment …
///         create;
///         /// Opens a mutex another process created …
///         open;
///         /// Options for creating or opening the mutex `name` …
///         builder;
///     }
/// }
/// ```
///
/// `create` and `open` use the defaults; `builder` returns a [`Builder`] for everything else.
macro_rules! primitive_shortcuts {
    (
        $(#[$create:meta])+ create;
        $(#[$open:meta])+ open;
        $(#[$builder:meta])+ builder;
    ) => {
        $(#[$create])+
        pub fn create(name: &str) -> Result<Self, $crate::segment::Error> {
            Self::builder(name).create()
        }

        $(#[$open])+
        pub fn open(name: &str) -> Result<Self, $crate::segment::Error> {
            Self::builder(name).open()
        }

        $(#[$builder])+
        pub fn builder(name: &str) -> $crate::segment::Builder<Self> {
            $crate::segment::Builder::new(name)
        }
    };
}
pub(crate) use primitive_shortcuts;
