//! The SSE writer: renders one event as `event:`/`id:`/`data:` lines and a blank line.

/// Renders one event. Each line of `data` (split at LF, CRLF or CR) becomes its own `data:`
/// line, so the parser gives `data` back joined with `\n`. CR and LF inside `event` or `id` would
/// end the field early and inject others, so they are dropped.
pub fn encode_event(event: Option<&str>, data: &str, id: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    encode_event_into(&mut out, event, data, id);
    out
}

/// Like [`encode_event`], appending to `out` (lets a translator reuse one output buffer).
pub fn encode_event_into(out: &mut Vec<u8>, event: Option<&str>, data: &str, id: Option<&str>) {
    if let Some(event) = event {
        push_field(out, b"event: ", event);
    }
    if let Some(id) = id {
        push_field(out, b"id: ", id);
    }
    let mut rest = data.as_bytes();
    loop {
        out.extend_from_slice(b"data: ");
        let Some(pos) = memchr::memchr2(b'\n', b'\r', rest) else {
            out.extend_from_slice(rest);
            out.extend_from_slice(b"\n\n");
            return;
        };
        let (line, tail) = rest.split_at(pos);
        out.extend_from_slice(line);
        out.push(b'\n');
        rest = match tail {
            [b'\r', b'\n', after @ ..] | [_, after @ ..] => after,
            [] => tail,
        };
    }
}

fn push_field(out: &mut Vec<u8>, prefix: &[u8], value: &str) {
    out.extend_from_slice(prefix);
    out.extend(value.bytes().filter(|&b| b != b'\n' && b != b'\r'));
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_event_id_and_data() {
        let out = encode_event(Some("message_start"), "{\"a\":1}", Some("7"));
        assert_eq!(out, b"event: message_start\nid: 7\ndata: {\"a\":1}\n\n");
    }

    #[test]
    fn splits_multi_line_data() {
        assert_eq!(
            encode_event(None, "a\nb\r\nc\rd", None),
            b"data: a\ndata: b\ndata: c\ndata: d\n\n"
        );
        assert_eq!(encode_event(None, "", None), b"data: \n\n");
        assert_eq!(encode_event(None, "x\n", None), b"data: x\ndata: \n\n");
    }

    #[test]
    fn drops_line_breaks_in_event_and_id() {
        assert_eq!(
            encode_event(Some("a\nb"), "x", Some("1\r2")),
            b"event: ab\nid: 12\ndata: x\n\n"
        );
    }
}
