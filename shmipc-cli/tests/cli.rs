//! The `shmipc` command-line tool (this crate's binary, run for real) reads a segment without its
//! Rust type.

use std::process::Command;

use shmipc::Segment;
use shmipc::prelude::*;

#[derive(SharedLayout, Clone, Copy, Default)]
#[repr(C)]
#[shm(endian = "little", version = 7, name = "cli::Probe")]
struct Probe {
    seq: U64Le,
    temp_c: F32Le,
    code: [u8; 4],
}

fn shmipc(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shmipc"))
        .args(args)
        .output()
        .expect("run the shmipc tool");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inspect_and_list_show_the_layout_and_creator() {
    let name = format!("/shmipc-test-cli-{}", std::process::id());
    let segment = Segment::<Probe>::create(&name).expect("create");

    let (ok, out, err) = shmipc(&["inspect", &name]);
    assert!(ok, "{err}");
    assert!(out.contains("kind      value"), "{out}");
    assert!(out.contains("cli::Probe v7 endian=little size=16"), "{out}");
    assert!(out.contains("8    4   4  temp_c: f32le"), "{out}");
    assert!(
        out.contains(&format!("pid {} (alive)", std::process::id())),
        "{out}"
    );

    let (ok, out, err) = shmipc(&["list"]);
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("cli::Probe v7"), "{line}");

    drop(segment); // the creator unlinks
    let (ok, _, err) = shmipc(&["inspect", &name]);
    assert!(!ok);
    assert!(err.starts_with("shmipc: "), "{err}");
}

/// Removes the name when dropped, also when an assertion fails first.
struct Unlink(String);

impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = Segment::<Probe>::unlink(&self.0);
    }
}

#[test]
fn names_from_a_hostile_header_reach_the_terminal_escaped() {
    use shmipc::segment::header::{self, CHECKSUM_OFFSET, FIXED_LEN, TABLE_LEN_OFFSET};
    use std::os::unix::fs::FileExt;

    let name = format!("/shmipc-test-cli-esc-{}", std::process::id());
    let segment = Segment::<Probe>::create(&name).expect("create");
    // Another process of the same user rewrites the type name `cli::Probe` (10 bytes at offset
    // 26 of the layout table) into a terminal escape sequence, and reseals the checksum.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(format!("/dev/shm{name}"))
        .expect("open the segment's file");
    let mut bytes = vec![0u8; FIXED_LEN];
    file.read_exact_at(&mut bytes, 0).unwrap();
    bytes.resize(
        FIXED_LEN + header::get32(&bytes, TABLE_LEN_OFFSET) as usize,
        0,
    );
    file.read_exact_at(&mut bytes, 0).unwrap();
    let at = FIXED_LEN + 26;
    assert_eq!(&bytes[at..at + 10], b"cli::Probe");
    bytes[at..at + 10].copy_from_slice(b"\x1b[31mProbe");
    file.write_all_at(&bytes[at..at + 10], at as u64).unwrap();
    let sum = header::checksum(&bytes).to_le_bytes();
    file.write_all_at(&sum, CHECKSUM_OFFSET as u64).unwrap();

    let (ok, out, err) = shmipc(&["inspect", &name]);
    assert!(ok, "{err}");
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("\\u{1b}[31mProbe v7"), "{out}");
    let (ok, out, err) = shmipc(&["list"]);
    assert!(ok, "{err}");
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("\\u{1b}[31mProbe v7"), "{out}");
    drop(segment);
}

#[test]
fn unlink_removes_the_name() {
    let name = format!("/shmipc-test-cli-unlink-{}", std::process::id());
    let _unlink = Unlink(name.clone());
    let segment = Segment::<Probe>::builder(&name)
        .persist(true)
        .create()
        .expect("create");
    let (ok, _, err) = shmipc(&["unlink", &name]);
    assert!(ok, "{err}");
    assert!(Segment::<Probe>::open(&name).is_err());
    drop(segment);
}
