//! Typed, path-aware access to parsed JSON bodies (the borrowed document of `wire::dom`). Every
//! accessor names the field's full path in its error (`messages[2].content`), built lazily so
//! the happy path allocates nothing.

use std::fmt;

use crate::translate::error::TranslateError;

pub use super::dom::{Object, Value};

/// A field path as a borrowed linked list: `Root`, then keys and indices.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    #[must_use]
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    #[must_use]
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    pub fn type_error(&self, expected: &'static str) -> TranslateError {
        TranslateError::Type {
            path: self.to_string(),
            expected,
        }
    }

    pub fn missing(&self) -> TranslateError {
        TranslateError::Missing {
            path: self.to_string(),
        }
    }

    pub fn invalid(&self, reason: impl Into<String>) -> TranslateError {
        TranslateError::Invalid {
            path: self.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("body"),
            Path::Key(Path::Root, k) => f.write_str(k),
            Path::Key(parent, k) => write!(f, "{parent}.{k}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Parses a body that must be a JSON object (strings borrow from `body`).
pub fn parse_object(body: &[u8]) -> Result<Object<'_>, TranslateError> {
    match super::dom::parse(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Path::Root.type_error("a JSON object")),
        Err(e) => Err(TranslateError::json(&e)),
    }
}

/// A present, non-null field.
pub fn get<'v, 'a>(obj: &'v Object<'a>, key: &str) -> Option<&'v Value<'a>> {
    obj.get(key).filter(|v| !v.is_null())
}

pub fn opt_str<'v>(
    obj: &'v Object<'_>,
    key: &str,
    p: &Path<'_>,
) -> Result<Option<&'v str>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(p.key(key).type_error("a string")),
    }
}

pub fn req_str<'v>(
    obj: &'v Object<'_>,
    key: &str,
    p: &Path<'_>,
) -> Result<&'v str, TranslateError> {
    opt_str(obj, key, p)?.ok_or_else(|| p.key(key).missing())
}

pub fn opt_bool(obj: &Object<'_>, key: &str, p: &Path<'_>) -> Result<Option<bool>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(p.key(key).type_error("a boolean")),
    }
}

pub fn opt_u64(obj: &Object<'_>, key: &str, p: &Path<'_>) -> Result<Option<u64>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| {
                // Accept integral floats (`1024.0`), which some SDKs send.
                #[allow(clippy::cast_sign_loss)] // checked non-negative and in range
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| p.key(key).type_error("a non-negative integer")),
    }
}

pub fn opt_f64(obj: &Object<'_>, key: &str, p: &Path<'_>) -> Result<Option<f64>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| p.key(key).type_error("a number")),
    }
}

pub fn opt_array<'v, 'a>(
    obj: &'v Object<'a>,
    key: &str,
    p: &Path<'_>,
) -> Result<Option<&'v Vec<Value<'a>>>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(p.key(key).type_error("an array")),
    }
}

pub fn opt_object<'v, 'a>(
    obj: &'v Object<'a>,
    key: &str,
    p: &Path<'_>,
) -> Result<Option<&'v Object<'a>>, TranslateError> {
    match get(obj, key) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(p.key(key).type_error("an object")),
    }
}

pub fn as_object<'v, 'a>(v: &'v Value<'a>, p: &Path<'_>) -> Result<&'v Object<'a>, TranslateError> {
    v.as_object().ok_or_else(|| p.type_error("an object"))
}

/// A string or an array of strings (OpenAI `stop`), as a list.
pub fn str_or_strs(
    obj: &Object<'_>,
    key: &str,
    p: &Path<'_>,
) -> Result<Vec<String>, TranslateError> {
    match get(obj, key) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.to_string()]),
        Some(Value::Array(a)) => {
            let kp = p.key(key);
            a.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| kp.index(i).type_error("a string"))
                })
                .collect()
        }
        Some(_) => Err(p.key(key).type_error("a string or an array of strings")),
    }
}

/// Validates tool-call arguments text and returns it as raw JSON to embed (`{}` when empty).
pub fn arguments_raw<'a>(arguments: &'a str, p: &Path<'_>) -> Result<&'a str, TranslateError> {
    if arguments.trim().is_empty() {
        return Ok("{}");
    }
    serde_json::from_str::<&serde_json::value::RawValue>(arguments)
        .map(serde_json::value::RawValue::get)
        .map_err(|e| p.invalid(format!("tool call arguments are not valid JSON ({e})")))
}

/// Serializes a value to JSON text.
pub fn to_text(v: &Value<'_>) -> String {
    v.to_json()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_javascript() {
        let root = Path::Root;
        let m = root.key("messages");
        let i = m.index(2);
        let c = i.key("content");
        assert_eq!(c.to_string(), "messages[2].content");
        assert_eq!(root.to_string(), "body");
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse_object(b"{\n  \"a\": }").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("column"), "{err}");
    }

    #[test]
    fn integral_floats_are_integers() {
        let o = parse_object(br#"{"n": 12.0, "m": 1.5}"#).unwrap();
        assert_eq!(opt_u64(&o, "n", &Path::Root).unwrap(), Some(12));
        assert!(opt_u64(&o, "m", &Path::Root).is_err());
    }
}
