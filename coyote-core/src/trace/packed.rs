//! Long decision strings, stored deflated: a liveness bug found by a fair strategy makes a
//! decision at nearly every one of its tens of thousands of steps (`t3 t1 t9 ...`, 180 KB of
//! tokens for 60,000 steps), which deflate brings to an eighth. A trace file holds them as
//! `decisions_deflated` (base64 of the deflated token string) instead of `decisions` once the
//! tokens pass [`PACK_FROM`] bytes; in memory a [`Trace`](super::Trace) always has them as
//! tokens ([`Trace::from_json`](super::Trace::from_json) unpacks).
//!
//! Invariant: [`unpack`] inverts [`pack`]; a string that is not base64 of a deflate stream, or
//! inflates past [`MAX_TOKENS`] bytes, is rejected with a clear error.

use super::TraceError;

/// Token text shorter than this stays readable in the file.
pub(super) const PACK_FROM: usize = 16 * 1024;

/// The most token text a packed string may inflate to.
const MAX_TOKENS: usize = 64 << 20;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Deflates and base64-encodes `tokens` (without padding).
pub(super) fn pack(tokens: &str) -> String {
    let bytes = miniz_oxide::deflate::compress_to_vec(tokens.as_bytes(), 9);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The token string [`pack`] packed.
pub(super) fn unpack(packed: &str) -> Result<String, TraceError> {
    let bad = |why: &str| TraceError::invalid(format!("decisions_deflated {why}"));
    let mut bytes = Vec::with_capacity(packed.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in packed.bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .ok_or_else(|| bad("is not base64"))? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_TOKENS)
        .map_err(|_| bad("is not a deflate stream of at most 64 MiB"))?;
    String::from_utf8(text).map_err(|_| bad("does not inflate to text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_shrinks_a_long_walk() {
        for text in ["", "t1", "t1 t2", "t1 t2 b1", "t1 t2 b1 i77"] {
            assert_eq!(unpack(&pack(text)).unwrap(), text);
        }
        let walk: Vec<String> = (0..60_000u64)
            .map(|i| format!("t{}", ((i * 2_654_435_761) >> 7) % 9))
            .collect();
        let walk = walk.join(" ");
        let packed = pack(&walk);
        assert_eq!(unpack(&packed).unwrap(), walk);
        assert!(
            packed.len() * 3 < walk.len(),
            "{} of {}",
            packed.len(),
            walk.len()
        );
    }

    #[test]
    fn bad_packed_text_is_refused() {
        assert!(unpack("not base64!").is_err());
        assert!(unpack("AAAA").is_err());
    }
}
