//! Request encoding: request line, `host`, caller headers, `content-length`, body, in one buffer.
//!
//! Header names must be RFC 9110 tokens and values must not hold CR, LF or NUL, so a value taken
//! from a client can never inject a header or a second request. Framing and hop-by-hop headers
//! given by the caller (`host`, `content-length`, `transfer-encoding`, `connection`,
//! `keep-alive`, `upgrade`, `te`, `trailer`, `proxy-connection`) are dropped: this module owns
//! them.

use super::Http1Error;

const OWNED_HEADERS: [&str; 9] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_field_value(s: &str) -> bool {
    !s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

fn invalid(part: &'static str, value: &str) -> Http1Error {
    Http1Error::InvalidRequest {
        part,
        value: value.chars().take(64).collect(),
    }
}

/// Appends the whole request to `out`. `target` is the origin-form path and query.
pub fn encode_request<'a>(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    host: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
) -> Result<(), Http1Error> {
    if !is_token(method) {
        return Err(invalid("method", method));
    }
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(invalid("target", target));
    }
    if host.is_empty() || !is_field_value(host) {
        return Err(invalid("host", host));
    }
    out.reserve(128 + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if !is_token(name) {
            return Err(invalid("header name", name));
        }
        if !is_field_value(value) {
            return Err(invalid("header value", name));
        }
        if OWNED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let needs_length = !body.is_empty() || !matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS");
    if needs_length {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>, Http1Error> {
        let mut out = Vec::new();
        encode_request(
            &mut out,
            "POST",
            "/v1/chat?x=1",
            "api.example",
            headers.iter().copied(),
            body,
        )?;
        Ok(out)
    }

    #[test]
    fn encodes_request_line_host_headers_length_and_body() {
        let out = encode(
            &[
                ("Content-Type", "application/json"),
                ("Host", "evil"),
                ("connection", "x"),
            ],
            b"{}",
        );
        assert_eq!(
            out.ok().as_deref(),
            Some(
                b"POST /v1/chat?x=1 HTTP/1.1\r\nhost: api.example\r\nContent-Type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                    .as_slice()
            )
        );
    }

    #[test]
    fn get_without_body_has_no_length() {
        let mut out = Vec::new();
        let ok = encode_request(&mut out, "GET", "/", "h", [], b"");
        assert!(ok.is_ok());
        assert_eq!(out, b"GET / HTTP/1.1\r\nhost: h\r\n\r\n");
    }

    #[test]
    fn rejects_injection() {
        assert!(encode(&[("x", "a\r\nevil: 1")], b"").is_err());
        assert!(encode(&[("x y", "a")], b"").is_err());
        assert!(encode(&[("", "a")], b"").is_err());
        let mut out = Vec::new();
        assert!(encode_request(&mut out, "GET", "/ HTTP/1.1", "h", [], b"").is_err());
        assert!(encode_request(&mut out, "GET", "/", "h\r\n", [], b"").is_err());
        assert!(encode_request(&mut out, "G T", "/", "h", [], b"").is_err());
    }
}
