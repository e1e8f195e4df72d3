//! `#[derive(SharedLayout)]` with the facade renamed in Cargo.toml and `#[shm(crate = "...")]`.

use renamed_shmipc::endian::{I32Be, U16Be};

/// A position, big-endian.
#[derive(renamed_shmipc::SharedLayout)]
#[repr(C)]
#[shm(endian = "big", crate = "::renamed_shmipc")]
pub struct Position {
    /// X.
    pub x: I32Be,
    /// Y.
    pub y: I32Be,
    /// Flags.
    pub flags: U16Be,
    /// Explicit padding.
    pub _pad: [u8; 2],
}

/// A direction, checked when read from a `Tag`.
#[derive(renamed_shmipc::SharedEnum, Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
#[shm(crate = "::renamed_shmipc")]
pub enum Heading {
    /// North.
    North = 1,
    /// South.
    South = 2,
}

/// A heading in a layout.
#[derive(renamed_shmipc::SharedLayout)]
#[repr(C)]
#[shm(endian = "big", crate = "::renamed_shmipc")]
pub struct Course {
    /// The heading.
    pub heading: renamed_shmipc::Tag<Heading>,
}

/// Two positions; the crate path without a leading `::` works too.
#[derive(renamed_shmipc::SharedLayout)]
#[repr(C)]
#[shm(endian = "big", crate = "renamed_shmipc")]
pub struct Route {
    /// Start.
    pub from: Position,
    /// End.
    pub to: Position,
}

#[cfg(test)]
mod tests {
    use super::*;
    use renamed_shmipc::SharedLayout;

    #[test]
    fn renamed_facade_works() {
        assert_eq!(Position::LAYOUT.size(), 12);
        assert_eq!(Route::LAYOUT.fields()[1].offset(), 12);
        assert_eq!(
            Route::LAYOUT.fields()[1].ty().to_string(),
            format!("Position v1 #{:016x}", Position::FINGERPRINT)
        );
        assert_eq!(
            Course::LAYOUT.fields()[0].ty().to_string(),
            "enum Heading as u8 {North = 1, South = 2}"
        );
        let course = Course {
            heading: renamed_shmipc::Tag::new(Heading::South),
        };
        assert_eq!(course.heading.get(), Ok(Heading::South));
    }
}
