//! Mints ids in each API's shape (`chatcmpl-…`, `msg_…`, `resp_…`, `call_…`, `toolu_…`) when the
//! upstream did not report one. Ids need to be unique, not unpredictable: a process-wide counter
//! mixed with the clock through splitmix64 is enough and needs no dependency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `prefix` followed by 24 base62 characters.
pub fn mint(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut a = splitmix64(nanos ^ n.rotate_left(32));
    let mut b = splitmix64(a ^ n);
    let mut out = String::with_capacity(prefix.len() + 24);
    out.push_str(prefix);
    for i in 0..24 {
        let word = if i < 12 { &mut a } else { &mut b };
        out.push(char::from(ALPHABET[(*word % 62) as usize]));
        *word /= 62;
    }
    out
}

/// Current Unix time in seconds.
pub fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = mint("msg_");
        let b = mint("msg_");
        assert!(a.starts_with("msg_"));
        assert_eq!(a.len(), 28);
        assert_ne!(a, b);
    }
}
