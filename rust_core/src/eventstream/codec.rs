//! One AWS event-stream message: checking and decoding a complete frame, and encoding one.
//!
//! Layout (all integers big-endian):
//! `total_length u32 | headers_length u32 | prelude_crc u32 | headers | payload | message_crc u32`
//! where `prelude_crc` covers the first 8 bytes and `message_crc` everything before it (CRC-32,
//! IEEE polynomial, as zlib). A header is `name_len u8 | name | type u8 | value`.

use super::{FrameError, HeaderRef, HeaderValue};

/// Prelude (12 bytes) plus the trailing message CRC (4 bytes).
pub const MIN_FRAME_BYTES: usize = 16;
pub const PRELUDE_BYTES: usize = 12;

/// The lengths announced by a checked prelude.
#[derive(Debug, Clone, Copy)]
pub struct Prelude {
    pub total_length: usize,
    pub headers_length: usize,
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(word))
}

/// Reads and validates the 12-byte prelude at the start of `bytes` (which holds at least 12).
pub fn read_prelude(bytes: &[u8], max_frame_bytes: usize) -> Result<Prelude, FrameError> {
    let (Some(total), Some(headers), Some(expected)) =
        (be_u32(bytes, 0), be_u32(bytes, 4), be_u32(bytes, 8))
    else {
        return Err(FrameError::Truncated {
            buffered: bytes.len(),
        });
    };
    let actual = crc32fast::hash(bytes.get(..8).unwrap_or_default());
    if actual != expected {
        return Err(FrameError::PreludeCrc { expected, actual });
    }
    let total_length = total as usize;
    let headers_length = headers as usize;
    if total_length < MIN_FRAME_BYTES {
        return Err(FrameError::TooShort { total_length });
    }
    if total_length > max_frame_bytes {
        return Err(FrameError::TooLarge {
            total_length,
            limit: max_frame_bytes,
        });
    }
    if headers_length > total_length - MIN_FRAME_BYTES {
        return Err(FrameError::HeadersTooLong {
            headers_length,
            total_length,
        });
    }
    Ok(Prelude {
        total_length,
        headers_length,
    })
}

/// Decodes one complete frame (`frame.len() == prelude.total_length`), checking the message CRC.
/// The headers are appended to `headers` (a buffer the caller reuses); returns the payload.
pub fn decode_body<'a>(
    frame: &'a [u8],
    prelude: Prelude,
    headers: &mut Vec<(&'a str, HeaderRef<'a>)>,
) -> Result<&'a [u8], FrameError> {
    let crc_at = prelude.total_length - 4;
    let (Some(covered), Some(expected)) = (frame.get(..crc_at), be_u32(frame, crc_at)) else {
        return Err(FrameError::Truncated {
            buffered: frame.len(),
        });
    };
    let actual = crc32fast::hash(covered);
    if actual != expected {
        return Err(FrameError::MessageCrc { expected, actual });
    }
    let headers_end = PRELUDE_BYTES + prelude.headers_length;
    let raw_headers = covered
        .get(PRELUDE_BYTES..headers_end)
        .ok_or(FrameError::BadHeader {
            reason: "headers overrun the frame",
        })?;
    decode_headers(raw_headers, headers)?;
    Ok(covered.get(headers_end..).unwrap_or_default())
}

fn decode_headers<'a>(
    mut rest: &'a [u8],
    headers: &mut Vec<(&'a str, HeaderRef<'a>)>,
) -> Result<(), FrameError> {
    while let Some((&name_len, tail)) = rest.split_first() {
        let (name, tail) = split(tail, usize::from(name_len), "header name truncated")?;
        let name = std::str::from_utf8(name).map_err(|_| FrameError::BadHeader {
            reason: "header name is not UTF-8",
        })?;
        let (&kind, tail) = tail.split_first().ok_or(FrameError::BadHeader {
            reason: "header type missing",
        })?;
        let (value, tail) = decode_value(kind, tail)?;
        headers.push((name, value));
        rest = tail;
    }
    Ok(())
}

fn split<'a>(
    bytes: &'a [u8],
    n: usize,
    reason: &'static str,
) -> Result<(&'a [u8], &'a [u8]), FrameError> {
    bytes
        .split_at_checked(n)
        .ok_or(FrameError::BadHeader { reason })
}

fn fixed<const N: usize>(bytes: &[u8]) -> Result<([u8; N], &[u8]), FrameError> {
    let (head, tail) = split(bytes, N, "header value truncated")?;
    let array = head.try_into().map_err(|_| FrameError::BadHeader {
        reason: "header value truncated",
    })?;
    Ok((array, tail))
}

fn decode_value(kind: u8, bytes: &[u8]) -> Result<(HeaderRef<'_>, &[u8]), FrameError> {
    Ok(match kind {
        0 => (HeaderRef::Bool(true), bytes),
        1 => (HeaderRef::Bool(false), bytes),
        2 => {
            let (v, rest) = fixed::<1>(bytes)?;
            (HeaderRef::Byte(i8::from_be_bytes(v)), rest)
        }
        3 => {
            let (v, rest) = fixed::<2>(bytes)?;
            (HeaderRef::Short(i16::from_be_bytes(v)), rest)
        }
        4 => {
            let (v, rest) = fixed::<4>(bytes)?;
            (HeaderRef::Int(i32::from_be_bytes(v)), rest)
        }
        5 | 8 => {
            let (v, rest) = fixed::<8>(bytes)?;
            let v = i64::from_be_bytes(v);
            let value = if kind == 5 {
                HeaderRef::Long(v)
            } else {
                HeaderRef::Timestamp(v)
            };
            (value, rest)
        }
        6 | 7 => {
            let (len, rest) = fixed::<2>(bytes)?;
            let (value, rest) = split(
                rest,
                usize::from(u16::from_be_bytes(len)),
                "header value truncated",
            )?;
            let value = if kind == 6 {
                HeaderRef::Bytes(value)
            } else {
                let text = std::str::from_utf8(value).map_err(|_| FrameError::BadHeader {
                    reason: "string header is not UTF-8",
                })?;
                HeaderRef::String(text)
            };
            (value, rest)
        }
        9 => {
            let (v, rest) = fixed::<16>(bytes)?;
            (HeaderRef::Uuid(v), rest)
        }
        other => return Err(FrameError::UnknownHeaderType { kind: other }),
    })
}

/// Encodes one frame. Fails only when a name, value or the frame exceeds its length field.
pub fn encode_frame<N: AsRef<str>>(
    headers: &[(N, HeaderValue)],
    payload: &[u8],
) -> Result<Vec<u8>, FrameError> {
    let mut head = Vec::new();
    for (name, value) in headers {
        let name = name.as_ref();
        let name_len = u8::try_from(name.len()).map_err(|_| FrameError::Unencodable {
            reason: "header name longer than 255 bytes",
        })?;
        head.push(name_len);
        head.extend_from_slice(name.as_bytes());
        encode_value(&mut head, value)?;
    }
    let too_big = || FrameError::Unencodable {
        reason: "frame longer than 4 GiB",
    };
    let total = MIN_FRAME_BYTES
        .checked_add(head.len())
        .and_then(|n| n.checked_add(payload.len()))
        .ok_or_else(too_big)?;
    let total_u32 = u32::try_from(total).map_err(|_| too_big())?;
    let head_u32 = u32::try_from(head.len()).map_err(|_| too_big())?;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&total_u32.to_be_bytes());
    out.extend_from_slice(&head_u32.to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(payload);
    let message_crc = crc32fast::hash(&out);
    out.extend_from_slice(&message_crc.to_be_bytes());
    Ok(out)
}

fn encode_value(out: &mut Vec<u8>, value: &HeaderValue) -> Result<(), FrameError> {
    match value {
        HeaderValue::Bool(true) => out.push(0),
        HeaderValue::Bool(false) => out.push(1),
        HeaderValue::Byte(v) => {
            out.push(2);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Short(v) => {
            out.push(3);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int(v) => {
            out.push(4);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Long(v) => {
            out.push(5);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Bytes(v) => push_sized(out, 6, v)?,
        HeaderValue::String(v) => push_sized(out, 7, v.as_bytes())?,
        HeaderValue::Timestamp(v) => {
            out.push(8);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Uuid(v) => {
            out.push(9);
            out.extend_from_slice(v);
        }
    }
    Ok(())
}

fn push_sized(out: &mut Vec<u8>, kind: u8, value: &[u8]) -> Result<(), FrameError> {
    let len = u16::try_from(value.len()).map_err(|_| FrameError::Unencodable {
        reason: "header value longer than 65535 bytes",
    })?;
    out.push(kind);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::{Frame, FrameRef};

    #[test]
    fn every_header_type_round_trips() {
        let headers = vec![
            ("t".to_owned(), HeaderValue::Bool(true)),
            ("f".to_owned(), HeaderValue::Bool(false)),
            ("b".to_owned(), HeaderValue::Byte(-2)),
            ("s".to_owned(), HeaderValue::Short(-300)),
            ("i".to_owned(), HeaderValue::Int(70_000)),
            ("l".to_owned(), HeaderValue::Long(-5_000_000_000)),
            ("y".to_owned(), HeaderValue::Bytes(vec![0, 255])),
            ("str".to_owned(), HeaderValue::String("héllo".into())),
            ("ts".to_owned(), HeaderValue::Timestamp(1_700_000_000_000)),
            ("u".to_owned(), HeaderValue::Uuid([7; 16])),
        ];
        let bytes = encode_frame(&headers, b"{}").unwrap_or_default();
        let prelude = read_prelude(&bytes, usize::MAX);
        let mut decoded = Vec::new();
        let payload = prelude.and_then(|p| decode_body(&bytes, p, &mut decoded));
        let frame = payload.map(|payload| FrameRef {
            headers: &decoded,
            payload,
        });
        assert_eq!(
            frame.ok().map(|f| f.to_frame()),
            Some(Frame {
                headers,
                payload: b"{}".to_vec()
            })
        );
    }

    #[test]
    fn known_vector_from_the_aws_spec() {
        // "int32 message" test vector of the AWS event-stream spec suite: one int header.
        let bytes = encode_frame(
            &[("event-type", HeaderValue::Int(40_972))],
            b"{'foo':'bar'}",
        )
        .unwrap_or_default();
        assert_eq!(bytes.len(), 0x2d);
        assert_eq!(
            bytes.get(..12),
            Some(&[0, 0, 0, 0x2d, 0, 0, 0, 0x10, 0x41, 0xc4, 0x24, 0xb8][..])
        );
        assert_eq!(bytes.get(41..), Some(&[0x36, 0xf4, 0x80, 0xa0][..]));
    }

    #[test]
    fn oversized_names_and_values_are_refused() {
        let name = "n".repeat(256);
        assert!(encode_frame(&[(name, HeaderValue::Bool(true))], b"").is_err());
        let value = HeaderValue::String("v".repeat(65_536));
        assert!(encode_frame(&[("n", value)], b"").is_err());
    }

    #[test]
    fn truncated_headers_are_errors() {
        for kind in 2..=9 {
            assert!(decode_value(kind, &[]).is_err());
        }
        assert!(matches!(
            decode_value(10, &[]),
            Err(FrameError::UnknownHeaderType { kind: 10 })
        ));
        assert!(decode_headers(&[5, b'a'], &mut Vec::new()).is_err());
    }
}
