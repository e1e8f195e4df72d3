//! One way to create or open every primitive: [`Builder`], generic over what it builds.

use core::fmt;
use std::time::{Duration, Instant};

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
///
/// ```
/// use shmipc::prelude::*;
/// use shmipc::{Origin, Segment, SegmentReader};
/// use std::time::Duration;
///
/// #[derive(SharedLayout, Clone, Copy, Default)]
/// #[repr(C)]
/// #[shm(endian = "little")]
/// struct Tick { seq: U64Le }
///
/// # let name = format!("/shmipc-test-doc-bld-{}", std::process::id());
/// // A reader that may start before the writer: it waits up to 5 s for the segment to appear.
/// let name2 = name.clone();
/// let reader = std::thread::spawn(move || {
///     SegmentReader::<Tick>::builder(&name2)
///         .wait_for_creation(true)
///         .open_timeout(Duration::from_secs(5))
///         .mode(0o644)
///         .open()
///         .map(|r| r.read().seq.get())
/// });
/// // Symmetric peers would both call `open_or_create`; exactly one of them creates.
/// let (writer, origin) = Segment::<Tick>::builder(&name).mode(0o644).open_or_create()?;
/// assert_eq!(origin, Origin::Created);
/// writer.write(&Tick { seq: 9.into(), ..Tick::default() });
/// let seen = reader.join().unwrap()?;
/// assert!(seen == 0 || seen == 9); // it may have read before the write
/// # Ok::<(), shmipc::Error>(())
/// ```
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
        wait_for_creation(wait: bool),
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

    /// Opens the primitive another process created, checking kind, layout and size. A name that
    /// does not exist is [`Error::NotFound`] at once, unless
    /// [`wait_for_creation`](SegmentOptions::wait_for_creation) says to wait for its creator.
    pub fn open(self) -> Result<P, Error> {
        let spec = self.spec()?;
        let segment = self.open_raw(&spec)?;
        P::from_segment(segment, self.config)
    }

    /// Opens the primitive if it exists, or else creates it: for symmetric peers, either of which
    /// may start first. Race-free: of processes calling this at once, exactly one creates (with
    /// `O_EXCL`) and the others open what it publishes (waiting, up to the open timeout, while it
    /// initializes). If the segment vanishes between a failed create and the open (its creator
    /// dropped it), this tries again, until the [open timeout](SegmentOptions::open_timeout).
    ///
    /// Returns which of the two happened. Both sides must use the same options (the mode
    /// especially: the opener accepts at most the mode it would create with). The creator's
    /// handle unlinks the name when dropped unless it [persists](SegmentOptions::persist).
    pub fn open_or_create(self) -> Result<(P, Origin), Error> {
        let spec = self.spec()?;
        let start = Instant::now();
        loop {
            match RawSegment::create(&self.name, &spec, &self.options) {
                Ok(segment) => {
                    return Ok((P::from_segment(segment, self.config)?, Origin::Created));
                }
                Err(Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e),
            }
            match self.open_raw(&spec) {
                Ok(segment) => return Ok((P::from_segment(segment, self.config)?, Origin::Opened)),
                // Gone again (its creator dropped it), or its creator died while initializing and
                // `create` may replace it: create it ourselves.
                Err(Error::NotFound { .. }) if start.elapsed() < self.options.open_timeout => {}
                Err(Error::CreatorDied { .. })
                    if self.options.replace_dead && start.elapsed() < self.options.open_timeout => {
                }
                Err(e) => return Err(e),
            }
            std::thread::yield_now();
        }
    }

    /// Opens the segment `spec` describes, refusing a read-only open of a primitive that writes.
    fn open_raw(&self, spec: &SegmentSpec) -> Result<RawSegment, Error> {
        if self.options.read_only && !P::OPENS_READ_ONLY {
            return Err(Error::InvalidOptions {
                name: self.name.clone(),
                reason: format!(
                    "a {} writes to its segment from every side, so it cannot be opened \
                     read-only; open it without `read_only`, or open its reader type \
                     (`SegmentReader` for a `Segment`, `SeqLockReader` for a `SeqLock`), which \
                     maps it read-only",
                    short_type_name::<P>()
                ),
            });
        }
        RawSegment::open(&self.name, spec, &self.options)
    }

    fn spec(&self) -> Result<SegmentSpec, Error> {
        P::spec(&self.config).map_err(|reason| Error::InvalidOptions {
            name: self.name.clone(),
            reason,
        })
    }
}

/// Which of the two [`Builder::open_or_create`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// This process created the segment (and its handle unlinks the name when dropped, unless it
    /// persists).
    Created,
    /// Another process had created it; this process opened it.
    Opened,
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
///
/// A primitive whose builder has a `capacity` (the rings) writes `create(capacity);` instead:
/// its `create(name, capacity)` sets it.
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

        $crate::segment::primitive_shortcuts! { @open_builder $(#[$open])+ open; $(#[$builder])+ builder; }
    };
    (
        $(#[$create:meta])+ create(capacity);
        $(#[$open:meta])+ open;
        $(#[$builder:meta])+ builder;
    ) => {
        $(#[$create])+
        pub fn create(name: &str, capacity: usize) -> Result<Self, $crate::segment::Error> {
            Self::builder(name).capacity(capacity).create()
        }

        $crate::segment::primitive_shortcuts! { @open_builder $(#[$open])+ open; $(#[$builder])+ builder; }
    };
    (@open_builder $(#[$open:meta])+ open; $(#[$builder:meta])+ builder;) => {
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

/// Writes a [`SharedPrimitive`]'s `Config` (none) and `spec` for a primitive whose segment size
/// follows from its type alone: `fixed_spec!(SegmentKind::Mutex, Self::PAYLOAD)` in the impl of a
/// primitive of `T: SharedLayout` (the layout recorded is `T::LAYOUT`).
macro_rules! fixed_spec {
    ($kind:expr, $payload_len:expr) => {
        type Config = ();

        fn spec(_: &()) -> Result<$crate::segment::SegmentSpec, String> {
            Ok($crate::segment::SegmentSpec::new(
                $kind,
                T::LAYOUT,
                $payload_len,
            ))
        }
    };
}
pub(crate) use fixed_spec;
