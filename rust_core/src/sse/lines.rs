//! Line framing for text event streams: splits bytes into lines ended by LF, CRLF or CR, across
//! chunk boundaries, including a CR at the end of one chunk followed by LF in the next.
//!
//! Spec: <https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream>
//! (`end-of-line = ( cr lf / cr / lf )`). Bytes are not decoded here: CR and LF are ASCII and can
//! never occur inside a multi-byte UTF-8 sequence, so splitting raw bytes is exact.

/// Incremental line splitter. Lines are handed out without their terminator; the bytes after the
/// last terminator stay buffered until the next chunk (or [`LineFramer::take_partial`]).
#[derive(Debug, Default, Clone)]
pub struct LineFramer {
    partial: Vec<u8>,
    after_cr: bool,
}

impl LineFramer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `on_line` once per complete line in `chunk` (prefixed by any buffered partial line).
    /// Stops at the first error `on_line` returns; the framer should then be discarded.
    pub fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rest = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if let Some(tail) = rest.strip_prefix(b"\n") {
                rest = tail;
            }
        }
        while let Some(pos) = memchr::memchr2(b'\n', b'\r', rest) {
            let Some((line, tail)) = rest.split_at_checked(pos) else {
                break;
            };
            let mut tail = tail.get(1..).unwrap_or_default();
            if tail.is_empty() {
                self.after_cr = rest.get(pos) == Some(&b'\r');
            } else if rest.get(pos) == Some(&b'\r') {
                if let Some(after_lf) = tail.strip_prefix(b"\n") {
                    tail = after_lf;
                }
            }
            if self.partial.is_empty() {
                on_line(line)?;
            } else {
                self.partial.extend_from_slice(line);
                let result = on_line(&self.partial);
                self.partial.clear();
                result?;
            }
            rest = tail;
        }
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// The bytes of the current unterminated line.
    pub fn partial(&self) -> &[u8] {
        &self.partial
    }

    /// Takes the unterminated line out and resets the framer.
    pub fn take_partial(&mut self) -> Vec<u8> {
        self.after_cr = false;
        std::mem::take(&mut self.partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut framer = LineFramer::new();
        let mut out = Vec::new();
        for chunk in chunks {
            framer
                .feed::<()>(chunk, |l| {
                    out.push(l.to_vec());
                    Ok(())
                })
                .ok();
        }
        (out, framer.take_partial())
    }

    #[test]
    fn splits_on_every_terminator_kind() {
        let (out, rest) = lines(&[b"a\nb\r\nc\rd"]);
        assert_eq!(out, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(rest, b"d");
    }

    #[test]
    fn cr_then_lf_in_next_chunk_is_one_terminator() {
        let (out, rest) = lines(&[b"a\r", b"\nb\r", b"", b"\n"]);
        assert_eq!(out, vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(rest.is_empty());
    }

    #[test]
    fn cr_cr_is_two_lines() {
        let (out, _) = lines(&[b"a\r", b"\rb\n"]);
        assert_eq!(out, vec![b"a".to_vec(), b"".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn partial_line_spans_chunks() {
        let (out, _) = lines(&[b"da", b"ta: x", b"yz\n"]);
        assert_eq!(out, vec![b"data: xyz".to_vec()]);
    }
}
