//! Kind `mutex` (`SharedMutex<T>`): the lock's words, then the value (read without the lock: a
//! snapshot that a holder may be changing).

use serde_json::json;
use shmipc::sync::mutex_snapshot;

use super::{KindReport, Shown, bytes_at, holder_of, holder_text, lock_json, malformed};
use crate::look::Look;

pub fn report(look: &Look) -> KindReport {
    let Some((lock, value_at)) = mutex_snapshot(&look.segment) else {
        return malformed("the payload is smaller than a mutex's control block".to_owned());
    };
    let rows = vec![
        ("lock".to_owned(), holder_text(&lock)),
        (
            "inconsistent".to_owned(),
            if lock.inconsistent {
                "yes: a holder died holding it; the next locker is told and may repair".to_owned()
            } else {
                "no".to_owned()
            },
        ),
        (
            "waiters".to_owned(),
            if lock.waiters { "yes" } else { "no" }.to_owned(),
        ),
    ];
    let mut rows = rows;
    if lock.corrupted {
        rows.push((
            "corrupted".to_owned(),
            format!("the lock word {:#010x} has reserved bits set", lock.word),
        ));
    }
    let values = bytes_at(look, value_at, look.header.layout.size)
        .map(|bytes| Shown {
            label: "value (read without taking the lock)".to_owned(),
            facts: json!({}),
            bytes,
        })
        .into_iter()
        .collect();
    KindReport {
        rows,
        json: json!({ "decoded": true, "lock": lock_json(&lock) }),
        holders: holder_of("lock", &lock).into_iter().collect(),
        values,
        ring: None,
    }
}
