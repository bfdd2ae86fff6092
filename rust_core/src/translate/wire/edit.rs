//! Same-API passthrough (inventory §14 consequence 1, fixed): the body keeps every field, value
//! bytes and key order; only the top-level fields we must change are rewritten. When nothing
//! changes the caller returns the input bytes as they are.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::translate::error::TranslateError;

use super::json::Path;

/// The top-level fields of a JSON object, values as their original bytes.
pub struct TopLevel<'a> {
    pub entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            entries.push((key, value));
        }
        Ok(TopLevel { entries })
    }
}

impl<'a> TopLevel<'a> {
    /// Splits a body into its top-level fields without parsing the values.
    pub fn parse(body: &'a [u8]) -> Result<Self, TranslateError> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let top = de
            .deserialize_map(TopLevelVisitor)
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => Path::Root.type_error("a JSON object"),
                _ => TranslateError::json(&e),
            })?;
        de.end().map_err(|e| TranslateError::json(&e))?;
        Ok(top)
    }

    /// The raw JSON text of a field (last occurrence wins, as in serde_json).
    pub fn raw(&self, key: &str) -> Option<&'a str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.get())
    }

    /// The field decoded as a string, when it is one.
    pub fn str_field(&self, key: &str) -> Option<String> {
        self.raw(key)
            .and_then(|raw| serde_json::from_str::<String>(raw).ok())
    }

    pub fn has(&self, key: &str) -> bool {
        self.raw(key).is_some_and(|raw| raw != "null")
    }
}

/// One change to a top-level field.
pub enum Edit<'e> {
    /// Set (or add, at the front) a field to this raw JSON text.
    Set(&'e str, String),
    Remove(&'e str),
    Rename(&'e str, &'e str),
}

/// Applies edits; `None` when they change nothing. Whitespace between top-level fields is not
/// kept on a rewrite; every value's bytes are.
pub fn apply(top: &TopLevel<'_>, edits: &[Edit<'_>]) -> Option<Vec<u8>> {
    let mut entries: Vec<(Cow<'_, str>, Cow<'_, str>)> = top
        .entries
        .iter()
        .map(|(k, v)| (k.clone(), Cow::Borrowed(v.get())))
        .collect();
    let mut changed = false;
    for edit in edits {
        match edit {
            Edit::Set(key, raw) => {
                let mut found = false;
                for (k, v) in &mut entries {
                    if k == key {
                        found = true;
                        if v.as_ref() != raw.as_str() {
                            *v = Cow::Owned(raw.clone());
                            changed = true;
                        }
                    }
                }
                if !found {
                    entries.insert(0, (Cow::Owned((*key).to_owned()), Cow::Owned(raw.clone())));
                    changed = true;
                }
            }
            Edit::Remove(key) => {
                let before = entries.len();
                entries.retain(|(k, _)| k != key);
                changed |= entries.len() != before;
            }
            Edit::Rename(from, to) => {
                if entries.iter().any(|(k, _)| k == to) {
                    continue;
                }
                for (k, _) in &mut entries {
                    if k == from {
                        *k = Cow::Owned((*to).to_owned());
                        changed = true;
                    }
                }
            }
        }
    }
    if !changed {
        return None;
    }
    let mut out = Vec::with_capacity(
        top.entries
            .iter()
            .map(|(k, v)| k.len() + v.get().len() + 4)
            .sum::<usize>()
            + 64,
    );
    out.push(b'{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if serde_json::to_writer(&mut out, k.as_ref()).is_err() {
            return None;
        }
        out.push(b':');
        out.extend_from_slice(v.as_bytes());
    }
    out.push(b'}');
    Some(out)
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn set_model_keeps_other_bytes_and_order() {
        let body =
            br#"{"messages": [ {"role":"user","content":"hi"} ], "model":"a", "x_vendor": 1.50}"#;
        let top = TopLevel::parse(body).unwrap();
        let out = apply(&top, &[Edit::Set("model", json_string("b"))]).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"messages":[ {"role":"user","content":"hi"} ],"model":"b","x_vendor":1.50}"#
        );
    }

    #[test]
    fn unchanged_body_is_none() {
        let top = TopLevel::parse(br#"{"model":"a"}"#).unwrap();
        assert!(apply(&top, &[Edit::Set("model", json_string("a"))]).is_none());
    }

    #[test]
    fn missing_model_is_added_first() {
        let top = TopLevel::parse(br#"{"messages":[]}"#).unwrap();
        let out = apply(&top, &[Edit::Set("model", json_string("m"))]).unwrap();
        assert_eq!(out, br#"{"model":"m","messages":[]}"#);
    }

    #[test]
    fn non_objects_are_rejected() {
        assert!(TopLevel::parse(b"[1]").is_err());
        assert!(TopLevel::parse(b"{\"a\":").is_err());
        assert!(TopLevel::parse(b"{} x").is_err());
    }
}
