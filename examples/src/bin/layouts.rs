//! Prints every schema type's layout: the field table and a byte map.
//!
//! `cargo run --release -p shmipc-examples --bin layouts`

use shmipc::{FieldType, Layout};

fn main() {
    for layout in shmipc_schemas::all_layouts() {
        print!("{}", render(layout));
        println!();
    }
}

/// The table and byte map of one layout.
fn render(layout: &Layout) -> String {
    let mut out = format!(
        "{} v{}  endian={}  size={}  align={}  fingerprint={:016x}\n",
        layout.name(),
        layout.version(),
        layout.endian(),
        layout.size(),
        layout.align(),
        layout.fingerprint()
    );
    out.push_str("  offset  size  align  field                type\n");
    for f in layout.fields() {
        out.push_str(&format!(
            "  {:>6}  {:>4}  {:>5}  {:<20} {}\n",
            f.offset(),
            f.size(),
            f.align(),
            f.name(),
            f.ty()
        ));
    }
    out.push_str(&byte_map(layout));
    for f in layout.fields() {
        if let FieldType::Struct(nested) = f.ty() {
            out.push_str(&format!(
                "  `{}` is a nested {}",
                f.name(),
                indent(&render(nested))
            ));
        }
    }
    out
}

/// One character per byte, 32 bytes per row: each field gets a letter (A, B, ...), repeated over
/// its bytes; a lower-case letter marks an explicit padding field (named `_pad…`).
fn byte_map(layout: &Layout) -> String {
    let mut cells = vec!['?'; layout.size()];
    let mut legend = Vec::new();
    for (i, f) in layout.fields().iter().enumerate() {
        let letter = (b'A' + (i % 26) as u8) as char;
        let letter = if f.name().starts_with("_pad") {
            letter.to_ascii_lowercase()
        } else {
            letter
        };
        for cell in cells.iter_mut().skip(f.offset()).take(f.size()) {
            *cell = letter;
        }
        legend.push(format!("{letter}={}", f.name()));
    }
    let mut out = String::from("  byte map (");
    out.push_str(&legend.join(" "));
    out.push_str(")\n");
    for (row, chunk) in cells.chunks(32).enumerate() {
        let line: String = chunk
            .chunks(8)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!("  {:>6}  {line}\n", row * 32));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("    {l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shmipc::SharedLayout;
    use shmipc_schemas::{Command, Tick};

    #[test]
    fn byte_map_covers_every_byte_of_every_schema_type() {
        for layout in shmipc_schemas::all_layouts() {
            let map = byte_map(layout);
            assert!(
                !map.contains('?'),
                "{} has an unmapped byte:\n{map}",
                layout.name()
            );
        }
    }

    #[test]
    fn tick_table_lists_fields_in_order() {
        let text = render(Tick::LAYOUT);
        let qty = text.find("qty").expect("qty listed");
        let venue = text.find("venue").expect("venue listed");
        assert!(qty < venue);
        assert!(text.contains("[u8; 4]"));
        assert!(render(Command::LAYOUT).contains("nested Position v1"));
    }
}
