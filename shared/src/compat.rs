//! Reading files written by older versions. Types grow (a string becomes an enum or a date, a
//! field is added), and every file written before must keep meaning what it said: this is the
//! check the tests apply to the checked-in artifacts, runs and histories.

use serde_json::Value;

/// Where `written` (a file's value read with today's types and serialized again) differs from
/// `original` (the file as written), as `path: what changed` lines: every value the original
/// holds must come back unchanged; writing may only add `null` for an optional field the file
/// predates. Empty when the round trip is faithful.
pub fn round_trip_differences(original: &Value, written: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(original, written, "", &mut out);
    out
}

fn walk(original: &Value, written: &Value, at: &str, out: &mut Vec<String>) {
    match (original, written) {
        (Value::Object(o), Value::Object(w)) => {
            for (k, v) in o {
                match w.get(k) {
                    Some(wv) => walk(v, wv, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: dropped")),
                }
            }
            for (k, v) in w {
                if !o.contains_key(k) && !v.is_null() {
                    out.push(format!("{at}.{k}: added {v}"));
                }
            }
        }
        (Value::Array(o), Value::Array(w)) if o.len() == w.len() => {
            for (i, (v, wv)) in o.iter().zip(w).enumerate() {
                walk(v, wv, &format!("{at}[{i}]"), out);
            }
        }
        _ if original == written => {}
        _ => out.push(format!("{at}: {original} became {written}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_null_is_allowed_and_anything_else_is_named() {
        let old = json!({"a": 1, "b": ["x"]});
        assert!(round_trip_differences(&old, &json!({"a": 1, "b": ["x"], "c": null})).is_empty());
        let d = round_trip_differences(&old, &json!({"a": 2, "b": ["x"], "c": 3}));
        assert_eq!(d, vec![".a: 1 became 2", ".c: added 3"]);
        let d = round_trip_differences(&old, &json!({"b": ["y"]}));
        assert_eq!(d, vec![".a: dropped", ".b[0]: \"x\" became \"y\""]);
    }
}
