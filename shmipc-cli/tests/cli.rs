//! The `shmipc` tool (this crate's binary, run for real) against value segments: list, inspect,
//! layout, c-header, unlink, names with and without the slash, mode 0640, hostile names.

mod support;

use shmipc::Segment;
use shmipc::prelude::*;
use shmipc_tests::guarded_name;
use support::{Probe, persisted, shmipc, shmipc_ok, shown};

#[test]
fn helper_process() {
    support::helper_main();
}

fn probe_segment(name: &str) -> Segment<Probe> {
    let segment = Segment::<Probe>::create(name).expect("create");
    segment.write(&Probe {
        seq: 42.into(),
        temp_c: 21.5f32.into(),
        code: *b"OK\0\0",
    });
    segment
}

#[test]
fn inspect_shows_header_layout_and_the_value_field_by_field() {
    let (name, _cleanup) = guarded_name("ins");
    let _segment = probe_segment(&name);
    let shown = shown(&["inspect", &name], &name, &[std::process::id()]);
    insta::assert_snapshot!("inspect_value", shown);

    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["name"], name.as_str());
    assert_eq!(doc["kind"], "value");
    assert_eq!(doc["type"], "cli::Probe");
    assert_eq!(doc["version"], 7);
    assert_eq!(doc["creator"]["pid"], std::process::id());
    assert_eq!(doc["creator"]["alive"], true);
    assert_eq!(doc["mode"], "0600");
    assert_eq!(doc["opener_refuses"], serde_json::json!([]));
    assert_eq!(doc["layout"]["fields"][1]["name"], "temp_c");
    assert_eq!(doc["layout"]["fields"][1]["offset"], 8);
    assert_eq!(doc["layout"]["fields"][1]["type"], "f32le");
    let fields = &doc["values"][0]["fields"];
    assert_eq!(fields["seq"], 42);
    assert_eq!(fields["temp_c"], 21.5);
    assert_eq!(fields["code"], serde_json::json!([79, 75, 0, 0]));
}

#[test]
fn list_shows_the_segment_and_its_creator() {
    let (name, _cleanup) = guarded_name("lst");
    let _segment = probe_segment(&name);
    let run = shmipc_ok(&["list"]);
    assert!(
        run.out.starts_with("name "),
        "column headers first: {}",
        run.out
    );
    let line = run
        .out
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{}", run.out));
    assert!(line.contains("cli::Probe v7"), "{line}");
    assert!(
        line.contains(&format!("{} (alive)", std::process::id())),
        "{line}"
    );
    let doc = shmipc(&["list", "--json"]).json();
    let entry = doc["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name.as_str())
        .expect("listed");
    assert_eq!(entry["kind"], "value");
    assert_eq!(entry["payload_size"], 16);
}

#[test]
fn a_segment_of_mode_0640_is_listed_and_inspect_says_what_an_opener_refuses() {
    let (name, _cleanup) = guarded_name("640");
    let _segment = shmipc_tests::create_with_mode::<Segment<Probe>>(&name, 0o640);
    let run = shmipc(&["list"]);
    let line = run.out.lines().find(|l| l.starts_with(&name));
    assert!(line.is_some_and(|l| l.contains("0640")), "{}", run.out);
    let run = shmipc_ok(&["inspect", &name]);
    assert!(
        run.out.contains(
            "its mode 0640 is wider than the default 0600: open it with SegmentOptions::mode(0o640)"
        ),
        "{}",
        run.out
    );
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["opener_refuses"].as_array().map(Vec::len), Some(1));
}

#[test]
fn inspect_without_the_slash_shows_the_name_with_it() {
    let (name, _cleanup) = guarded_name("sl");
    let _segment = probe_segment(&name);
    let run = shmipc_ok(&["inspect", &name[1..]]);
    assert!(
        run.out.starts_with(&format!("segment   {name}\n")),
        "{}",
        run.out
    );
}

#[test]
fn layout_draws_the_byte_map_and_c_header_the_struct() {
    let (name, _cleanup) = guarded_name("lay");
    let _segment = probe_segment(&name);
    let run = shmipc_ok(&["layout", &name]);
    insta::assert_snapshot!("layout_value", run.out.replace(&name, "[NAME]"));
    let doc = shmipc(&["layout", &name, "--json"]).json();
    assert_eq!(doc["fields"].as_array().map(Vec::len), Some(3));
    assert_eq!(doc["picture"], Probe::LAYOUT.picture());

    let run = shmipc_ok(&["c-header", &name]);
    assert_eq!(run.out, Probe::LAYOUT.c_header());
    assert!(run.out.contains("struct cli__Probe {"), "{}", run.out);
    let run = shmipc(&["c-header", "--segment-header"]);
    assert_eq!(run.out, shmipc::segment::segment_header_c());
}

#[test]
fn errors_are_sentences_with_exit_code_1_and_json_errors_parse() {
    let (name, _cleanup) = guarded_name("gone");
    let run = shmipc(&["inspect", &name]);
    assert_eq!(run.code, 1);
    assert!(run.err.starts_with("shmipc: "), "{}", run.err);
    assert!(run.err.contains("does not exist"), "{}", run.err);
    let doc = shmipc(&["inspect", &name, "--json"]).json();
    assert_eq!(doc["exit_code"], 1);
    assert!(doc["error"].as_str().is_some_and(|e| e.contains(&name)));
    let help = shmipc(&["--help"]);
    assert!(help.out.contains("Exit codes:"), "{}", help.out);
}

#[test]
fn unlink_refuses_a_file_that_is_not_a_segment_unless_forced() {
    let (name, _cleanup) = guarded_name("frn");
    std::fs::write(format!("/dev/shm{name}"), b"someone else's").expect("write a foreign file");
    let run = shmipc(&["unlink", &name]);
    assert_eq!(run.code, 3, "{} {}", run.out, run.err);
    assert!(run.err.contains("pass --force"), "{}", run.err);
    assert!(
        std::fs::metadata(format!("/dev/shm{name}")).is_ok(),
        "still there"
    );
    let line = list_all_line(&name);
    assert!(line.contains("smaller than a shmipc header"), "{line}");
    shmipc_ok(&["rm", &name, "--force"]);
    assert!(
        std::fs::metadata(format!("/dev/shm{name}")).is_err(),
        "removed"
    );
}

/// The line of `shmipc list --all` about `name`.
fn list_all_line(name: &str) -> String {
    let run = shmipc(&["list", "--all"]);
    let line = run.out.lines().find(|l| l.starts_with(name));
    line.unwrap_or_else(|| panic!("{name} not in {}", run.out))
        .to_owned()
}

#[test]
fn list_all_says_what_an_empty_file_is() {
    let (name, _cleanup) = guarded_name("emp");
    std::fs::write(format!("/dev/shm{name}"), b"").expect("write an empty file");
    let line = list_all_line(&name);
    assert!(line.contains("it is empty"), "{line}");
    assert!(!line.contains("still empty after"), "{line}");
}

#[test]
fn unlink_removes_a_segment() {
    let (name, _cleanup) = guarded_name("unl");
    let segment = persisted::<Segment<Probe>>(&name);
    let run = shmipc_ok(&["unlink", &name, "--json"]);
    assert_eq!(run.json()["removed"], name.as_str());
    assert!(Segment::<Probe>::open(&name).is_err());
    drop(segment);
}

#[test]
fn names_from_a_hostile_header_reach_the_terminal_escaped() {
    use shmipc::segment::header::{self, CHECKSUM_OFFSET, FIXED_LEN, TABLE_LEN_OFFSET};
    use std::os::unix::fs::FileExt;

    let (name, _cleanup) = guarded_name("esc");
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

    for args in [vec!["inspect", &name], vec!["list"], vec!["layout", &name]] {
        let run = shmipc_ok(&args);
        assert!(!run.out.contains('\x1b'), "{args:?}: {:?}", run.out);
        assert!(
            run.out.contains("\\u{1b}[31mProbe v7"),
            "{args:?}: {}",
            run.out
        );
    }
    let run = shmipc(&["c-header", &name]);
    assert!(!run.out.contains('\x1b'), "{:?}", run.out);
    drop(segment);
}

#[test]
fn a_segment_still_initializing_is_said_to_be_so() {
    use std::os::unix::fs::FileExt;
    use std::time::Duration;

    let (name, _cleanup) = guarded_name("ini");
    let creator = {
        let name = name.clone();
        std::thread::spawn(move || {
            Segment::<Probe>::builder(&name)
                .options(shmipc::SegmentOptions::new().pause_before_publish(Duration::from_secs(3)))
                .create()
                .map(drop)
        })
    };
    // Wait until the creator has published its identity (state 1, initializing).
    let mut state = [0u8; 4];
    while state != 1u32.to_le_bytes() {
        std::thread::sleep(Duration::from_millis(5));
        if let Ok(f) = std::fs::File::open(format!("/dev/shm{name}")) {
            let _ = f.read_exact_at(&mut state, 12);
        }
    }
    let run = shmipc(&["inspect", &name]);
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(
        run.err
            .contains("is still initializing: its creator has not published it yet"),
        "{}",
        run.err
    );
    creator.join().expect("creator").expect("create");
}

/// The tool opens segments read-only, so a member of a segment's group can inspect another user's
/// 0640 segment (a writable open would be refused by the system). Runs the tool as `nobody` with
/// the segment's group set to nobody's; needs root, hence the name.
#[test]
fn root_a_group_member_inspects_another_users_0640_segment() {
    use shmipc_tests::NOBODY;
    shmipc_tests::require_root("runs the tool as another user (nobody)");
    let (name, _cleanup) = guarded_name("grp");
    let _segment: Segment<Probe> = shmipc_tests::create_with_mode(&name, 0o640);
    let path = std::ffi::CString::new(format!("/dev/shm{name}")).unwrap();
    // SAFETY: `path` is NUL-terminated; changes only the group of the test's own segment.
    assert_eq!(unsafe { libc::chown(path.as_ptr(), u32::MAX, NOBODY) }, 0);
    let mut tool = std::process::Command::new(env!("CARGO_BIN_EXE_shmipc"));
    tool.args(["inspect", &name]);
    shmipc_tests::run_as(&mut tool, NOBODY, NOBODY);
    let out = tool.output().expect("run the tool as nobody");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}{stdout}");
    assert!(stdout.contains("kind      value"), "{stdout}");
    assert!(stdout.contains("mode 0640"), "{stdout}");
}
