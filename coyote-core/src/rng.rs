//! A small, fast, seedable pseudo-random generator (xoshiro256++ seeded through SplitMix64).
//!
//! Invariant: the sequence is a pure function of the seed on every platform, so a strategy that
//! draws only from it is deterministic from its seed.
//!
//! Why it is ours rather than a crate's: its sequence is part of the trace contract. A trace
//! records the strategy and seed that found a bug, `--seed` promises the same bugs on every run,
//! and the portfolio derives its members' seeds with [`derive_seed`]; all of that holds only while
//! `Rng::new(seed)` yields the same numbers in every release. Changing the algorithm, the seeding,
//! or how [`Rng::below`] and [`Rng::coin`] map bits to values changes which schedules a seed
//! names, so it is a breaking change to the trace format, not a refactoring.

/// One SplitMix64 step: a good 64-bit mixer, used to derive seeds.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives an independent seed from a base seed and a stream index (worker, iteration, ...).
pub fn derive_seed(base: u64, stream: u64) -> u64 {
    let mut s = base ^ stream.wrapping_mul(0xA076_1D64_78BD_642F);
    splitmix64(&mut s)
}

/// xoshiro256++: 256 bits of state, period 2^256 - 1.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// The generator's state (see [`Rng::from_state`]).
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// A generator that goes on from `state` (a [`Rng::state`]) as the one it was taken from.
    pub fn from_state(state: [u64; 4]) -> Self {
        Rng { s: state }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = (self.s[0].wrapping_add(self.s[3]))
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform number in `0..bound` (`bound > 0`), by Lemire's multiply-shift (bias < 2^-32
    /// for the small bounds a scheduler uses).
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// A fair coin.
    #[inline]
    pub fn coin(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }

    /// True with probability `1 / 2^n`.
    #[inline]
    pub fn one_in_pow2(&mut self, n: u32) -> bool {
        n == 0 || self.next_u64() >> (64 - n.min(63)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(1);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = r.below(5) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
