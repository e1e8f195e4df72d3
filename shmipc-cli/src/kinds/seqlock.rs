//! Kind `seqlock` (`SeqLock<T>`): the sequence, the writer role, the latest complete value.

use serde_json::json;
use shmipc::sync::seqlock_snapshot;

use super::{KindReport, Shown, holder_of, holder_text, lock_json, malformed};
use crate::look::Look;

pub fn report(look: &Look) -> KindReport {
    let size = usize::try_from(look.header.layout.size).unwrap_or(usize::MAX);
    let Some(s) = seqlock_snapshot(&look.segment, size) else {
        return malformed("the payload is smaller than a seqlock of its layout".to_owned());
    };
    let mut rows = vec![
        (
            "sequence".to_owned(),
            match s.sequence {
                0 => "0 (nothing written yet)".to_owned(),
                n => format!("{n} (writes completed)"),
            },
        ),
        ("writer".to_owned(), holder_text(&s.writer)),
    ];
    if s.sequence != 0 && s.value.is_none() {
        rows.push((
            "value".to_owned(),
            "no consistent copy: the writer kept writing during every attempt".to_owned(),
        ));
    }
    let values = s
        .value
        .clone()
        .map(|bytes| Shown {
            label: format!("value (version {})", s.sequence),
            facts: json!({ "version": s.sequence }),
            bytes,
        })
        .into_iter()
        .collect();
    KindReport {
        rows,
        json: json!({ "decoded": true, "sequence": s.sequence, "writer": lock_json(&s.writer) }),
        holders: holder_of("writer", &s.writer).into_iter().collect(),
        values,
        ring: None,
    }
}
