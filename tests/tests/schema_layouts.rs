//! The layout tables the derive records agree with the compiler, and the fingerprint reacts to
//! every change that matters (and is pinned, so it is stable across builds).

use core::mem::{align_of, offset_of, size_of};
use core::sync::atomic::{AtomicU32, AtomicU64};

use shmipc::prelude::*;
use shmipc::{Endian, FieldType, Primitive};
use shmipc_schemas::{Command, ControlBlock, Ping, Position, SensorFrame, Tick};

/// Checks the recorded table of `$ty` against `offset_of!`, `size_of` and `align_of`, field by
/// field, in declaration order, and that the table has exactly these fields.
macro_rules! assert_table {
    ($ty:ty { $($field:ident : $fty:ty),* $(,)? }) => {{
        let layout = <$ty as SharedLayout>::LAYOUT;
        let expected: &[(&str, usize, usize, usize)] = &[
            $((stringify!($field), offset_of!($ty, $field), size_of::<$fty>(), align_of::<$fty>())),*
        ];
        let actual: Vec<_> = layout
            .fields()
            .iter()
            .map(|f| (f.name(), f.offset(), f.size(), f.align()))
            .collect();
        assert_eq!(actual, expected, "field table of {}", stringify!($ty));
        assert_eq!(layout.size(), size_of::<$ty>());
        assert_eq!(layout.align(), align_of::<$ty>());
        assert_eq!(layout.fingerprint(), <$ty as SharedLayout>::FINGERPRINT);
    }};
}

#[test]
fn schema_tables_match_the_compiler() {
    assert_table!(Tick {
        seq: U64Le,
        ts_ns: U64Le,
        price_e6: I64Le,
        qty: U32Le,
        venue: [u8; 4]
    });
    assert_table!(SensorFrame {
        ts_ns: U64Le,
        sensor_id: U32Le,
        len: U16Le,
        flags: u8,
        _pad: [u8; 1],
        samples: [[F32Le; 3]; 16],
    });
    assert_table!(Position {
        x_mm: I32Be,
        y_mm: I32Be,
        z_mm: I32Be
    });
    assert_table!(Command {
        id: U32Be,
        target: Position,
        speed_mm_s: U32Be,
        opcode: u8,
        _pad: [u8; 3],
    });
    assert_table!(ControlBlock {
        generation: AtomicU64,
        processed: AtomicU64,
        state: AtomicU32,
        attached: AtomicU32,
    });
    assert_table!(Ping {
        seq: u64,
        sent_ns: u64
    });
}

#[test]
fn canonical_types_are_recorded() {
    let t = |layout: &shmipc::Layout, i: usize| layout.fields()[i].ty().to_string();
    assert_eq!(t(Tick::LAYOUT, 2), "i64le");
    assert_eq!(t(SensorFrame::LAYOUT, 5), "[[f32le; 3]; 16]");
    assert_eq!(t(ControlBlock::LAYOUT, 2), "atomic_u32");
    assert_eq!(t(Ping::LAYOUT, 0), "u64");
    match Command::LAYOUT.fields()[1].ty() {
        FieldType::Struct(nested) => assert_eq!(*nested, Position::LAYOUT),
        other => panic!("expected a nested struct, got {other}"),
    }
    assert_eq!(
        *Tick::LAYOUT.fields()[3].ty(),
        FieldType::Primitive(Primitive::U32Le)
    );
    assert_eq!(Tick::LAYOUT.endian(), Endian::Little);
    assert_eq!(Command::LAYOUT.endian(), Endian::Big);
    assert_eq!(ControlBlock::LAYOUT.endian(), Endian::Native);
    assert_eq!((Tick::LAYOUT.name(), Tick::LAYOUT.version()), ("Tick", 3));
}

/// Variants of one message, each differing from `base::Quote` in exactly one respect.
mod variants {
    use shmipc::prelude::*;

    macro_rules! quote_variant {
        ($module:ident, $attrs:tt, { $($body:tt)* }) => {
            pub mod $module {
                use shmipc::prelude::*;
                #[derive(SharedLayout)]
                #[repr(C)]
                #[shm $attrs]
                pub struct Quote { $($body)* }
            }
        };
    }

    quote_variant!(base, (endian = "little", version = 1), { pub bid: I64Le, pub ask: I64Le, pub size: U32Le, pub flags: U32Le });
    quote_variant!(renamed, (endian = "little", version = 1), { pub bid: I64Le, pub ask: I64Le, pub qty: U32Le, pub flags: U32Le });
    quote_variant!(reordered, (endian = "little", version = 1), { pub ask: I64Le, pub bid: I64Le, pub size: U32Le, pub flags: U32Le });
    quote_variant!(retyped, (endian = "little", version = 1), { pub bid: I64Le, pub ask: I64Le, pub size: F32Le, pub flags: U32Le });
    quote_variant!(resized, (endian = "little", version = 1), { pub bid: I64Le, pub ask: I64Le, pub size: U64Le, pub flags: U64Le });
    quote_variant!(big, (endian = "big", version = 1), { pub bid: I64Be, pub ask: I64Be, pub size: U32Be, pub flags: U32Be });
    quote_variant!(native, (endian = "native", version = 1), { pub bid: i64, pub ask: i64, pub size: u32, pub flags: u32 });
    quote_variant!(bumped, (endian = "little", version = 2), { pub bid: I64Le, pub ask: I64Le, pub size: U32Le, pub flags: U32Le });
    quote_variant!(named, (endian = "little", version = 1, name = "fx::Quote"), { pub bid: I64Le, pub ask: I64Le, pub size: U32Le, pub flags: U32Le });
    quote_variant!(array_len, (endian = "little", version = 1), { pub bid: I64Le, pub ask: I64Le, pub size: [u8; 4], pub flags: U32Le });

    /// Same struct in another module: the module path is not part of the identity.
    pub mod elsewhere {
        pub mod deeper {
            use shmipc::prelude::*;
            #[derive(SharedLayout)]
            #[repr(C)]
            #[shm(endian = "little", version = 1)]
            pub struct Quote {
                pub bid: I64Le,
                pub ask: I64Le,
                pub size: U32Le,
                pub flags: U32Le,
            }
        }
    }

    pub fn all() -> Vec<(&'static str, u64)> {
        vec![
            ("base", base::Quote::FINGERPRINT),
            ("renamed", renamed::Quote::FINGERPRINT),
            ("reordered", reordered::Quote::FINGERPRINT),
            ("retyped", retyped::Quote::FINGERPRINT),
            ("resized", resized::Quote::FINGERPRINT),
            ("big", big::Quote::FINGERPRINT),
            ("native", native::Quote::FINGERPRINT),
            ("bumped", bumped::Quote::FINGERPRINT),
            ("named", named::Quote::FINGERPRINT),
            ("array_len", array_len::Quote::FINGERPRINT),
        ]
    }
}

#[test]
fn every_change_changes_the_fingerprint() {
    let all = variants::all();
    for (i, (a, fa)) in all.iter().enumerate() {
        for (b, fb) in &all[i + 1..] {
            assert_ne!(fa, fb, "`{a}` and `{b}` have the same fingerprint");
        }
    }
}

#[test]
fn identity_does_not_depend_on_module_path() {
    assert_eq!(
        variants::elsewhere::deeper::Quote::FINGERPRINT,
        variants::base::Quote::FINGERPRINT
    );
}

#[test]
fn nested_change_propagates_to_the_outer_fingerprint() {
    mod v1 {
        use shmipc::prelude::*;
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "big")]
        pub struct Inner {
            pub a: U32Be,
        }
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "big")]
        pub struct Outer {
            pub inner: Inner,
        }
    }
    mod v2 {
        use shmipc::prelude::*;
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "big")]
        pub struct Inner {
            pub b: U32Be,
        }
        #[derive(SharedLayout)]
        #[repr(C)]
        #[shm(endian = "big")]
        pub struct Outer {
            pub inner: Inner,
        }
    }
    assert_ne!(v1::Outer::FINGERPRINT, v2::Outer::FINGERPRINT);
}

/// Pinned values: the fingerprint is a fixed function of the layout (FNV-1a over a documented
/// encoding), identical in every build on a machine with these sizes. A change here means every
/// deployed process disagrees with new builds: only ever change it together with the encoding's
/// version string.
#[test]
fn fingerprints_are_pinned() {
    let pinned = [
        ("Tick", Tick::FINGERPRINT, 0x2d17_d067_6756_8919),
        (
            "SensorFrame",
            SensorFrame::FINGERPRINT,
            0x38df_3dc4_5f54_bf14,
        ),
        ("Position", Position::FINGERPRINT, 0x7b2c_da4f_2590_4fc6),
        ("Command", Command::FINGERPRINT, 0xeec6_eaae_5d1a_3472),
    ];
    for (name, actual, expected) in pinned {
        assert_eq!(actual, expected, "fingerprint of {name}: {actual:#018x}");
    }
}
