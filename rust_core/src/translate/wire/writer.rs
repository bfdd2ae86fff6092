//! A minimal streaming JSON writer for the IR → wire writers. Building a `serde_json::Value`
//! tree first cost an allocation per key, string and map, which made the tree the most
//! expensive step of a translation; this writes the bytes directly. Strings and numbers are
//! encoded by serde_json, so escaping and float formatting match `serde_json::to_vec`.

use serde::Serialize;

pub struct JsonWriter {
    buf: Vec<u8>,
    /// One entry per open container: whether the next member needs a leading comma.
    needs_comma: Vec<bool>,
    /// A key was just written, so the next value is that key's (no comma).
    after_key: bool,
}

impl JsonWriter {
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(bytes),
            needs_comma: Vec::with_capacity(8),
            after_key: false,
        }
    }

    fn before_value(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(flag) = self.needs_comma.last_mut() {
            if *flag {
                self.buf.push(b',');
            }
            *flag = true;
        }
    }

    pub fn begin_object(&mut self) -> &mut Self {
        self.before_value();
        self.buf.push(b'{');
        self.needs_comma.push(false);
        self
    }

    pub fn end_object(&mut self) -> &mut Self {
        self.needs_comma.pop();
        self.buf.push(b'}');
        self
    }

    pub fn begin_array(&mut self) -> &mut Self {
        self.before_value();
        self.buf.push(b'[');
        self.needs_comma.push(false);
        self
    }

    pub fn end_array(&mut self) -> &mut Self {
        self.needs_comma.pop();
        self.buf.push(b']');
        self
    }

    /// Writes an object key; the next call writes its value.
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.before_value();
        self.encode(key);
        self.buf.push(b':');
        self.after_key = true;
        self
    }

    fn encode<T: Serialize + ?Sized>(&mut self, v: &T) {
        // Writing to a Vec cannot fail, and str/number/Value serialization has no error path.
        let _ = serde_json::to_writer(&mut self.buf, v);
    }

    /// Any serializable value: `&str`, numbers, `bool`, `Option`, `serde_json::Value`, slices.
    pub fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> &mut Self {
        self.before_value();
        self.encode(v);
        self
    }

    /// Already-encoded JSON text.
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.before_value();
        self.buf.extend_from_slice(json.as_bytes());
        self
    }

    /// `"key": value`.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> &mut Self {
        self.key(key).value(v)
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_nesting() {
        let mut w = JsonWriter::with_capacity(64);
        w.begin_object().field("a", "x\"y").key("b").begin_array();
        w.value(&1)
            .value(&2.5)
            .begin_object()
            .field("c", &true)
            .end_object();
        w.end_array().field("d", &None::<u8>).end_object();
        assert_eq!(
            String::from_utf8(w.finish()).unwrap(),
            r#"{"a":"x\"y","b":[1,2.5,{"c":true}],"d":null}"#
        );
    }
}
