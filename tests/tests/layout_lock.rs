//! The layout lock file: `schemas/layouts.lock` records, per schema type, its name, version,
//! fingerprint and field table. A layout that changed while its `version` did not fails here, so
//! two builds that disagree about the bytes can never claim the same version.
//!
//! After a deliberate layout change: bump `#[shm(version = N)]` on the type, then re-bless with
//!
//! ```sh
//! SHMIPC_BLESS=1 cargo test -p shmipc-tests --test layout_lock
//! ```
//!
//! Blessing refuses a changed layout whose version was not bumped.

use std::collections::BTreeMap;
use std::path::PathBuf;

use shmipc::Layout;

const BLESS_COMMAND: &str = "SHMIPC_BLESS=1 cargo test -p shmipc-tests --test layout_lock";

fn lock_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/layouts.lock")
}

/// One type's entry: its `Display` table (header line, then one line per field).
fn entry(layout: &Layout) -> String {
    layout.to_string()
}

fn render(layouts: &[&Layout]) -> String {
    let mut out = String::from(
        "# shmipc layout lock file: one entry per schema type, written by the layout_lock test.\n\
         # Do not edit by hand. After a layout change, bump the type's version, then run:\n",
    );
    out.push_str(&format!("#   {BLESS_COMMAND}\n"));
    out.push_str("# Columns: offset size align  name: type\n");
    for layout in layouts {
        out.push('\n');
        out.push_str(&entry(layout));
    }
    out
}

/// What the lock file says about one type.
struct Locked {
    version: u32,
    fingerprint: u64,
    text: String,
}

/// Parses the lock file into entries by type name; errors name the line.
fn parse(text: &str) -> Result<BTreeMap<String, Locked>, String> {
    let mut entries = BTreeMap::new();
    let mut current: Option<(String, Locked)> = None;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            let (_, locked) = current
                .as_mut()
                .ok_or(format!("line {}: field row before any type", n + 1))?;
            locked.text.push_str(line);
            locked.text.push('\n');
            continue;
        }
        if let Some((name, locked)) = current.take() {
            entries.insert(name, locked);
        }
        let mut words = line.split_whitespace();
        let bad = || format!("line {}: cannot read type header `{line}`", n + 1);
        let name = words.next().ok_or_else(bad)?.to_string();
        let version = words
            .next()
            .and_then(|v| v.strip_prefix('v'))
            .and_then(|v| v.parse().ok())
            .ok_or_else(bad)?;
        let fingerprint = words
            .find_map(|w| w.strip_prefix("fingerprint="))
            .and_then(|f| u64::from_str_radix(f, 16).ok())
            .ok_or_else(bad)?;
        current = Some((
            name,
            Locked {
                version,
                fingerprint,
                text: format!("{line}\n"),
            },
        ));
    }
    if let Some((name, locked)) = current {
        entries.insert(name, locked);
    }
    Ok(entries)
}

/// Every problem between the current layouts and the lock file. `unbumped` problems can never
/// be blessed away; the others are fixed by re-blessing.
fn compare(layouts: &[&Layout], locked: &BTreeMap<String, Locked>) -> (Vec<String>, Vec<String>) {
    let (mut unbumped, mut stale) = (Vec::new(), Vec::new());
    for layout in layouts {
        match locked.get(layout.name()) {
            None => stale.push(format!(
                "`{}` is not in the lock file yet; add it with `{BLESS_COMMAND}`",
                layout.name()
            )),
            Some(old) if old.fingerprint != layout.fingerprint() && old.version == layout.version() => {
                unbumped.push(format!(
                    "the layout of `{name}` changed (fingerprint {old_fp:016x} -> {new_fp:016x}) but its version is still {v}: \
                     processes built before and after this change would share memory under the same version and misread it. \
                     Bump it to #[shm(version = {next})] on `{name}`, then re-bless with `{BLESS_COMMAND}`.\n\
                     locked:\n{old_text}now:\n{new_text}",
                    name = layout.name(),
                    old_fp = old.fingerprint,
                    new_fp = layout.fingerprint(),
                    v = layout.version(),
                    next = layout.version() + 1,
                    old_text = old.text,
                    new_text = entry(layout),
                ));
            }
            Some(old) if old.text != entry(layout) => stale.push(format!(
                "the lock entry of `{}` is out of date (version {} -> {}); re-bless with `{BLESS_COMMAND}`",
                layout.name(),
                old.version,
                layout.version()
            )),
            Some(_) => {}
        }
    }
    for name in locked.keys() {
        if !layouts.iter().any(|l| l.name() == name) {
            stale.push(format!(
                "the lock file lists `{name}`, which is no longer a schema type; re-bless with `{BLESS_COMMAND}`"
            ));
        }
    }
    (unbumped, stale)
}

#[test]
fn schema_layouts_match_the_lock_file() {
    let layouts = shmipc_schemas::all_layouts();
    let path = lock_path();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let locked = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (unbumped, stale) = compare(&layouts, &locked);
    assert!(unbumped.is_empty(), "{}", unbumped.join("\n\n"));
    if std::env::var_os("SHMIPC_BLESS").is_some() {
        std::fs::write(&path, render(&layouts)).expect("write the lock file");
        return;
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
    assert_eq!(
        text,
        render(&layouts),
        "layouts.lock differs from what `{BLESS_COMMAND}` writes"
    );
}

/// The check itself: a changed layout with an unchanged version is caught, a bumped one is not.
mod detection {
    use super::*;
    use shmipc::prelude::*;

    mod before {
        use super::*;
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "little", version = 4)]
        pub struct Quote {
            pub bid: I64Le,
            pub ask: I64Le,
        }
    }
    mod after_unbumped {
        use super::*;
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "little", version = 4)]
        pub struct Quote {
            pub bid: I64Le,
            pub ask: F64Le,
        }
    }
    mod after_bumped {
        use super::*;
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "little", version = 5)]
        pub struct Quote {
            pub bid: I64Le,
            pub ask: F64Le,
        }
    }

    #[test]
    fn unbumped_change_is_refused_and_names_the_fix() {
        let locked = parse(&render(&[before::Quote::LAYOUT])).expect("own output parses");
        let (unbumped, _) = compare(&[after_unbumped::Quote::LAYOUT], &locked);
        assert_eq!(unbumped.len(), 1);
        assert!(
            unbumped[0].contains("#[shm(version = 5)]"),
            "{}",
            unbumped[0]
        );
        assert!(unbumped[0].contains(BLESS_COMMAND));
    }

    #[test]
    fn bumped_change_only_asks_for_a_rebless() {
        let locked = parse(&render(&[before::Quote::LAYOUT])).expect("own output parses");
        let (unbumped, stale) = compare(&[after_bumped::Quote::LAYOUT], &locked);
        assert!(unbumped.is_empty());
        assert_eq!(stale.len(), 1, "{stale:?}");
        let (unbumped, stale) = compare(&[before::Quote::LAYOUT], &locked);
        assert!(unbumped.is_empty() && stale.is_empty());
    }

    #[test]
    fn missing_and_removed_types_are_reported() {
        let locked = parse(&render(&[before::Quote::LAYOUT])).expect("own output parses");
        let (_, stale) = compare(&[], &locked);
        assert!(stale[0].contains("no longer a schema type"), "{stale:?}");
        let (_, stale) = compare(&[before::Quote::LAYOUT], &BTreeMap::new());
        assert!(stale[0].contains("not in the lock file"), "{stale:?}");
    }
}
