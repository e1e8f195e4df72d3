//! C interop: the headers `Layout::c_header` writes compile with `gcc -std=c11 -Wall -Wextra
//! -Werror` for every schema type and a nested, over-aligned test type; a C program reads every
//! field of each of them through its struct; a C program opens segments that Rust wrote, checks their fingerprints, reads the values through the structs and
//! writes values that Rust then reads; and a wrong number in a generated `_Static_assert` fails
//! the build. Needs `gcc` (present on every machine of this project): without it the test fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use shmipc::Segment;
use shmipc::prelude::*;
use shmipc_schemas::{Command as MoveCommand, Position, Tick, all_layouts};
use shmipc_tests::guarded_name;

#[derive(SharedLayout, Clone, Copy, Default)]
#[repr(C)]
#[shm(endian = "little", name = "interop::Pt")]
struct Pt {
    x: I32Le,
    y: I32Le,
}

/// Nested arrays of a nested layout, an over-aligned struct, explicit padding.
#[derive(SharedLayout, Clone, Copy, Default)]
#[repr(C, align(16))]
#[shm(endian = "little", version = 2, name = "interop::Path")]
struct PathMsg {
    n: U32Le,
    _pad: [u8; 4],
    pts: [Pt; 3],
    grid: [[u8; 2]; 3],
    _tail: [u8; 10],
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("shmipc-c-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.0.join(file);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs gcc with `args` in `dir`; (success, stderr). Panics if gcc cannot be run at all.
fn gcc(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("gcc")
        .current_dir(dir)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror"])
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs gcc to compile the generated C headers ({e}): install gcc")
        });
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn header_file(name: &str) -> String {
    format!("{}.h", shmipc::layout::c_identifier(name))
}

#[test]
fn every_schema_header_compiles_together_without_warnings() {
    let dir = Scratch::new("all");
    let mut includes = String::from("#include \"shmipc_segment.h\"\n");
    dir.write("shmipc_segment.h", &shmipc::segment::segment_header_c());
    for layout in all_layouts().into_iter().chain([PathMsg::LAYOUT]) {
        let file = header_file(layout.name());
        dir.write(&file, &layout.c_header());
        includes.push_str(&format!("#include \"{file}\"\n"));
    }
    // Each header twice: the guards make that harmless; Command and Position share a struct.
    let program = format!("{includes}{includes}int main(void) {{ return 0; }}\n");
    dir.write("all.c", &program);
    let (ok, err) = gcc(&dir.0, &["all.c", "-o", "all"]);
    assert!(ok, "the generated headers do not compile cleanly:\n{err}");
    let path = PathMsg::LAYOUT.c_header();
    assert!(path.contains("_Alignas(16) uint32_t n;"), "{path}");
    assert!(path.contains("struct interop__Pt pts[3];"), "{path}");
    assert!(path.contains("uint8_t grid[3][2];"), "{path}");
}

#[test]
fn a_wrong_number_in_a_static_assert_fails_the_build() {
    let dir = Scratch::new("wrong");
    let good = Tick::LAYOUT.c_header();
    for (right, wrong) in [
        ("sizeof(struct Tick) == 32", "sizeof(struct Tick) == 33"),
        (
            "offsetof(struct Tick, qty) == 24",
            "offsetof(struct Tick, qty) == 20",
        ),
        ("_Alignof(struct Tick) == 8", "_Alignof(struct Tick) == 4"),
    ] {
        assert!(good.contains(right), "{right} not in\n{good}");
        dir.write("Tick.h", &good.replace(right, wrong));
        dir.write("t.c", "#include \"Tick.h\"\nint main(void) { return 0; }\n");
        let (ok, err) = gcc(&dir.0, &["t.c", "-o", "t"]);
        assert!(!ok, "compiled with `{wrong}`");
        assert!(err.contains("differs from the Rust layout"), "{err}");
    }
    dir.write("Tick.h", &good);
    let (ok, err) = gcc(&dir.0, &["t.c", "-o", "t"]);
    assert!(ok, "{err}");
}

const PROGRAM: &str = r#"
#define _DEFAULT_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shmipc_segment.h"
#include "Tick.h"
#include "Command.h"

/* Maps the segment `name` and returns its payload if it holds the layout `fingerprint`. */
static void *open_payload(const char *name, uint64_t fingerprint, int *wrong_fp_refused) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) { perror("shm_open"); return NULL; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return NULL; }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) { perror("mmap"); return NULL; }
    *wrong_fp_refused = shmipc_payload(base, (size_t)st.st_size, fingerprint ^ 1) == NULL;
    return shmipc_payload(base, (size_t)st.st_size, fingerprint);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int refused_tick = 0, refused_cmd = 0;
    struct Tick *t = open_payload(argv[1], Tick_FINGERPRINT, &refused_tick);
    struct Command *c = open_payload(argv[2], Command_FINGERPRINT, &refused_cmd);
    if (!t || !c) { fprintf(stderr, "not a ready segment of the expected layout\n"); return 1; }
    if (!refused_tick || !refused_cmd) { fprintf(stderr, "a wrong fingerprint was accepted\n"); return 1; }
    if (Tick_BYTE_ORDER != SHMIPC_BYTE_ORDER_LITTLE || Command_BYTE_ORDER != SHMIPC_BYTE_ORDER_BIG) return 1;
    printf("tick seq=%" PRIu64 " ts=%" PRIu64 " price=%" PRId64 " qty=%" PRIu32 " venue=%.4s\n",
           le64toh(t->seq), le64toh(t->ts_ns), (int64_t)le64toh((uint64_t)t->price_e6),
           le32toh(t->qty), (const char *)t->venue);
    printf("command id=%" PRIu32 " x=%" PRId32 " y=%" PRId32 " z=%" PRId32 " speed=%" PRIu32 " op=%u\n",
           be32toh(c->id), (int32_t)be32toh((uint32_t)c->target.x_mm),
           (int32_t)be32toh((uint32_t)c->target.y_mm), (int32_t)be32toh((uint32_t)c->target.z_mm),
           be32toh(c->speed_mm_s), c->opcode);
    t->qty = htole32(777);
    t->price_e6 = (int64_t)htole64((uint64_t)-125);
    c->target.z_mm = (int32_t)htobe32((uint32_t)-5);
    c->opcode = 2;
    return 0;
}
"#;

#[test]
fn a_c_program_reads_and_writes_segments_that_rust_made() {
    let dir = Scratch::new("rw");
    dir.write("shmipc_segment.h", &shmipc::segment::segment_header_c());
    dir.write("Tick.h", &Tick::LAYOUT.c_header());
    dir.write("Command.h", &MoveCommand::LAYOUT.c_header());
    dir.write("interop.c", PROGRAM);
    let (ok, err) = gcc(&dir.0, &["interop.c", "-o", "interop"]);
    assert!(ok, "{err}");

    let (tick_name, _c1) = guarded_name("ct");
    let (cmd_name, _c2) = guarded_name("cc");
    let tick = Segment::<Tick>::create(&tick_name).expect("create");
    tick.write(&Tick {
        seq: 41.into(),
        ts_ns: 1_700_000_000_000_000_001.into(),
        price_e6: (-3_250_000).into(),
        qty: 12.into(),
        venue: *b"XNAS",
    });
    let cmd = Segment::<MoveCommand>::create(&cmd_name).expect("create");
    cmd.write(&MoveCommand {
        id: 0x0102_0304.into(),
        target: Position {
            x_mm: (-1).into(),
            y_mm: 250.into(),
            z_mm: 7.into(),
        },
        speed_mm_s: 900.into(),
        opcode: 1,
        _pad: [0; 3],
    });

    let out = Command::new(dir.0.join("interop"))
        .args([&tick_name, &cmd_name])
        .output()
        .expect("run the C program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "tick seq=41 ts=1700000000000000001 price=-3250000 qty=12 venue=XNAS\n\
         command id=16909060 x=-1 y=250 z=7 speed=900 op=1\n"
    );
    let t = tick.read();
    assert_eq!((u32::from(t.qty), i64::from(t.price_e6)), (777, -125));
    assert_eq!(u64::from(t.seq), 41, "untouched fields stay");
    let c = cmd.read();
    assert_eq!((i32::from(c.target.z_mm), c.opcode), (-5, 2));
    assert_eq!(i32::from(c.target.y_mm), 250);
}

/// One leaf of a value: its C lvalue, its primitive and its offset in the value.
struct Leaf {
    c: String,
    prim: shmipc::Primitive,
    offset: usize,
}

/// Every primitive reached through fields, array elements and nested structs.
fn leaves(layout: &shmipc::Layout, c: &str, base: usize, out: &mut Vec<Leaf>) {
    fn visit(ty: &shmipc::FieldType, c: String, at: usize, out: &mut Vec<Leaf>) {
        match ty {
            shmipc::FieldType::Primitive(p) => out.push(Leaf {
                c,
                prim: *p,
                offset: at,
            }),
            shmipc::FieldType::Array { elem, len } => {
                let step = c_size(elem);
                for i in 0..*len {
                    visit(elem, format!("{c}[{i}]"), at + i * step, out);
                }
            }
            shmipc::FieldType::Struct(inner) => leaves(inner, &c, at, out),
            shmipc::FieldType::Tag { storage, .. } => out.push(Leaf {
                c,
                prim: *storage,
                offset: at,
            }),
        }
    }
    for f in layout.fields() {
        let name = shmipc::layout::c_identifier(f.name());
        visit(f.ty(), format!("{c}.{name}"), base + f.offset(), out);
    }
}

fn c_size(ty: &shmipc::FieldType) -> usize {
    match ty {
        shmipc::FieldType::Primitive(p) => p.size(),
        shmipc::FieldType::Array { elem, len } => c_size(elem) * len,
        shmipc::FieldType::Struct(l) => l.size(),
        shmipc::FieldType::Tag { storage, .. } => storage.size(),
    }
}

/// A C statement printing `leaf` converted from its stored byte order: integers as numbers,
/// floats as their bits.
fn print_leaf(leaf: &Leaf) -> String {
    use shmipc::layout::Scalar;
    let bits = 8 * leaf.prim.size();
    let conv = match (bits, leaf.prim.byte_order()) {
        (8, _) | (_, shmipc::Endian::Native) => String::new(),
        (n, shmipc::Endian::Little) => format!("le{n}toh"),
        (n, shmipc::Endian::Big) => format!("be{n}toh"),
    };
    let value = match leaf.prim.scalar() {
        Scalar::Signed => format!("(long long)(int{bits}_t){conv}((uint{bits}_t)b)"),
        _ => format!("(long long)(unsigned long long){conv}((uint{bits}_t)b)"),
    };
    let fmt = if leaf.prim.scalar() == Scalar::Signed {
        "%lld"
    } else {
        "%llu"
    };
    format!(
        "    {{ uint{bits}_t b; memcpy(&b, &{}, sizeof b); printf(\"%s={fmt}\\n\", \"{}\", {value}); }}\n",
        leaf.c, leaf.c
    )
}

/// The value a leaf's bytes hold, as the C program prints it.
fn expected(leaf: &Leaf, bytes: &[u8]) -> String {
    let b = &bytes[leaf.offset..leaf.offset + leaf.prim.size()];
    let as_int = match leaf.prim.scalar() {
        shmipc::layout::Scalar::Float => {
            let order = leaf.prim.byte_order();
            let unsigned = shmipc::Primitive::ALL
                .into_iter()
                .find(|p| {
                    p.size() == leaf.prim.size()
                        && p.byte_order() == order
                        && p.scalar() == shmipc::layout::Scalar::Unsigned
                        && !p.name().starts_with("atomic")
                })
                .expect("an unsigned twin");
            unsigned.decode_text(b, shmipc::Endian::host())
        }
        _ => leaf.prim.decode_text(b, shmipc::Endian::host()),
    };
    as_int.expect("decodable")
}

#[test]
fn a_c_program_reads_and_writes_every_field_of_every_schema_type_through_its_struct() {
    use std::os::unix::fs::FileExt;

    let dir = Scratch::new("every");
    dir.write("shmipc_segment.h", &shmipc::segment::segment_header_c());
    for layout in all_layouts().into_iter().chain([PathMsg::LAYOUT]) {
        let id = shmipc::layout::c_identifier(layout.name());
        dir.write(&format!("{id}.h"), &layout.c_header());
        let mut all = Vec::new();
        leaves(layout, "(*v)", 0, &mut all);
        let prints: String = all.iter().map(print_leaf).collect();

        // A value segment of this layout whose value bytes Rust writes: a pattern that makes
        // every field differ from zero and from its neighbours.
        let (name, _cleanup) = guarded_name("cv");
        let spec = shmipc::SegmentSpec::new(shmipc::SegmentKind::Value, layout, layout.size());
        let segment = shmipc::RawSegment::create(&name, &spec, &shmipc::SegmentOptions::new())
            .expect("create");
        let header_len = shmipc::RawSegment::inspect(&name, &shmipc::SegmentOptions::new())
            .expect("inspect")
            .header_len;
        let bytes: Vec<u8> = (0..layout.size()).map(|i| (i * 37 + 11) as u8).collect();
        std::fs::OpenOptions::new()
            .write(true)
            .open(format!("/dev/shm{name}"))
            .and_then(|f| f.write_all_at(&bytes, header_len))
            .expect("write the value");

        let read = compile_and_run(&dir, &id, &c_main(&id, false, &prints), &name);
        let want: String = all
            .iter()
            .map(|l| format!("{}={}\n", l.c, expected(l, &bytes)))
            .collect();
        assert_eq!(read, want, "{id}");

        // And back: a C program stores another pattern into every field through the struct (in
        // the field's declared byte order), and Rust finds exactly those bytes.
        let pattern: Vec<u8> = (0..layout.size()).map(|i| (i * 53 + 7) as u8).collect();
        let mut writes = Vec::new();
        leaves(layout, "(*w)", 0, &mut writes);
        let stores: String = writes.iter().map(|l| store_leaf(l, &pattern)).collect();
        compile_and_run(&dir, &format!("{id}_w"), &c_main(&id, true, &stores), &name);
        let mut back = vec![0u8; layout.size()];
        std::fs::File::open(format!("/dev/shm{name}"))
            .and_then(|f| f.read_exact_at(&mut back, header_len))
            .expect("read the value back");
        assert_eq!(back, pattern, "{id}: C's stores through the struct");
        drop(segment);
    }
}

/// Writes `source` to `dir/<exe>.c`, compiles it to `exe`, runs it on the segment `name` and
/// returns what it printed; panics with gcc's or the program's errors if either fails.
fn compile_and_run(dir: &Scratch, exe: &str, source: &str, name: &str) -> String {
    dir.write(&format!("{exe}.c"), source);
    let (ok, err) = gcc(&dir.0, &[&format!("{exe}.c"), "-o", exe]);
    assert!(ok, "{exe}.c:\n{err}");
    let out = Command::new(dir.0.join(exe))
        .arg(name)
        .output()
        .expect("run the C program");
    assert!(
        out.status.success(),
        "{exe}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A C program that maps the segment named by its argument (read-only, or writable), checks it
/// is a ready segment of `struct id` (`shmipc_payload`), and runs `body` with the value as `v`
/// (`const`) or `w` (writable).
fn c_main(id: &str, writable: bool, body: &str) -> String {
    let (flags, prot, decl) = if writable {
        (
            "O_RDWR",
            "PROT_READ | PROT_WRITE",
            format!("struct {id} *w = (struct {id} *)"),
        )
    } else {
        ("O_RDONLY", "PROT_READ", format!("const struct {id} *v = "))
    };
    format!(
        "#define _DEFAULT_SOURCE\n#include <endian.h>\n#include <fcntl.h>\n#include <stdio.h>\n\
         #include <string.h>\n#include <sys/mman.h>\n#include <sys/stat.h>\n#include <unistd.h>\n\
         #include \"shmipc_segment.h\"\n#include \"{id}.h\"\n\
         int main(int argc, char **argv) {{\n\
         \x20   if (argc != 2) return 2;\n\
         \x20   int fd = shm_open(argv[1], {flags}, 0);\n\
         \x20   struct stat st;\n\
         \x20   if (fd < 0 || fstat(fd, &st) != 0) return 1;\n\
         \x20   void *base = mmap(NULL, (size_t)st.st_size, {prot}, MAP_SHARED, fd, 0);\n\
         \x20   if (base == MAP_FAILED) return 1;\n\
         \x20   {decl}shmipc_payload(base, (size_t)st.st_size, {id}_FINGERPRINT);\n\
         \x20   if (!{var}) {{ fprintf(stderr, \"not a ready {id} segment\\n\"); return 1; }}\n\
         {body}    return 0;\n}}\n",
        var = if writable { "w" } else { "v" },
    )
}

/// A C statement storing into `leaf` the integer whose bytes in the leaf's declared byte order
/// are `pattern`'s bytes at the leaf's offset (floats by their bits).
fn store_leaf(leaf: &Leaf, pattern: &[u8]) -> String {
    let size = leaf.prim.size();
    let b = &pattern[leaf.offset..leaf.offset + size];
    let mut word = [0u8; 8];
    let (value, conv) = match leaf.prim.byte_order() {
        _ if size == 1 => (u64::from(b[0]), String::new()),
        shmipc::Endian::Little => {
            word[..size].copy_from_slice(b);
            (u64::from_le_bytes(word), format!("htole{}", 8 * size))
        }
        shmipc::Endian::Big => {
            word[8 - size..].copy_from_slice(b);
            (u64::from_be_bytes(word), format!("htobe{}", 8 * size))
        }
        shmipc::Endian::Native => {
            let mut native = [0u8; 8];
            if cfg!(target_endian = "little") {
                native[..size].copy_from_slice(b);
            } else {
                native[8 - size..].copy_from_slice(b);
            }
            (u64::from_ne_bytes(native), String::new())
        }
    };
    let bits = 8 * size;
    format!(
        "    {{ uint{bits}_t b = {conv}((uint{bits}_t){value}ULL); memcpy(&{}, &b, sizeof b); }}\n",
        leaf.c
    )
}
