//! A hasher for the search's hash tables, whose keys are addresses, sites and state hashes:
//! one multiply per word. No DoS concern (the keys are the program's own), and deterministic,
//! unlike std's `RandomState`, although the tables are only ever read by lookup, never in
//! iteration order.

use std::hash::{BuildHasherDefault, Hasher};

/// See the module docs.
#[derive(Default, Clone, Copy, Debug)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0 ^ self.0 >> 29
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// `HashMap<K, V, Fast>`, `HashSet<K, Fast>`: tables hashed by [`FastHasher`].
pub type Fast = BuildHasherDefault<FastHasher>;
