//! Kind `value` (`Segment<T>`): the payload is one value of the layout, at offset 0.

use serde_json::json;

use super::{KindReport, Shown, bytes_at, malformed};
use crate::look::Look;

pub fn report(look: &Look) -> KindReport {
    let Some(bytes) = bytes_at(look, 0, look.header.layout.size) else {
        return malformed("the payload is smaller than one value of its layout".to_owned());
    };
    KindReport {
        json: json!({ "decoded": true }),
        values: vec![Shown {
            label: "value".to_owned(),
            facts: json!({}),
            bytes,
        }],
        ..KindReport::default()
    }
}
