//! Validation of shared-memory names.
//!
//! A name is given with or without its leading slash (`ticks` and `/ticks` are the same segment)
//! and is stored with it. It may not contain another slash or a NUL byte, may not be `.` or `..`,
//! and must fit the platform's limit:
//!
//! - Linux: the file name below `/dev/shm` may be at most 255 bytes (`NAME_MAX`), so the name with
//!   its slash at most 256;
//! - macOS, and the `portable` feature (which exercises the macOS path on Linux): at most 31 bytes
//!   including the slash (`PSHMNAMLEN`).
//!
//! Write names of at most 31 bytes to be portable.

use super::error::Error;

/// The longest name accepted on this platform, in bytes, including the leading slash.
pub const MAX_NAME_LEN: usize = if cfg!(any(target_os = "macos", feature = "portable")) {
    31
} else {
    256
};

/// The longest name every supported platform accepts, including the leading slash.
pub const PORTABLE_MAX_NAME_LEN: usize = 31;

/// Checks `name` and returns it with exactly one leading slash.
pub fn normalize(name: &str) -> Result<String, Error> {
    let bad = |reason: &'static str| Error::BadName {
        name: name.to_owned(),
        reason,
    };
    let bare = name.strip_prefix('/').unwrap_or(name);
    if bare.is_empty() {
        return Err(bad("it is empty"));
    }
    if bare.contains('/') {
        return Err(bad("it contains a `/` after the leading one"));
    }
    if bare.contains('\0') {
        return Err(bad("it contains a NUL byte"));
    }
    if bare == "." || bare == ".." {
        return Err(bad("`.` and `..` name directories"));
    }
    if bare.len() + 1 > MAX_NAME_LEN {
        return Err(if MAX_NAME_LEN == PORTABLE_MAX_NAME_LEN {
            bad("it is longer than 31 bytes with its leading slash, the limit of macOS")
        } else {
            bad("it is longer than 255 bytes, the limit of Linux")
        });
    }
    Ok(format!("/{bare}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_slash_and_rejects_bad_names() {
        assert_eq!(normalize("ticks").unwrap(), "/ticks");
        assert_eq!(normalize("/ticks").unwrap(), "/ticks");
        for bad in ["", "/", "a/b", "/a/b", "//a", "a\0b", ".", "/.."] {
            assert!(
                matches!(normalize(bad), Err(Error::BadName { .. })),
                "{bad:?}"
            );
        }
        let longest = "x".repeat(MAX_NAME_LEN - 1);
        assert!(normalize(&longest).is_ok());
        assert!(normalize(&format!("{longest}x")).is_err());
    }
}
