//! A liveness trace's fair suffix, stored as where it began and its generator's state rather
//! than as its decisions.
//!
//! The fair suffix ([`FairSuffix`](crate::strategy::FairSuffix)) makes every decision of an
//! iteration from its first step on with its own seeded generator, so its tens of thousands of
//! decisions are a function of that generator's state and of what the program does, which
//! replay reproduces. A trace whose iteration went on into a fair suffix keeps only the
//! decisions before it, and this: replay makes the rest by the same draws.
//!
//! Invariant: [`SuffixSeed::state`] inverts the encoding [`SuffixSeed::new`] writes; a seed that
//! is not four `:`-separated 64-bit hex numbers is rejected when the trace is read.

use super::TraceError;
use serde::{Deserialize, Serialize};

/// See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuffixSeed {
    /// The suffix's first step: every decision at this step and after is the generator's.
    pub from: u32,
    /// The generator's state at that step: four 64-bit words in hex, `:`-separated.
    pub rng: String,
}

impl SuffixSeed {
    /// The suffix from step `from` of a generator in state `state`.
    pub fn new(from: u32, state: [u64; 4]) -> SuffixSeed {
        let words: Vec<String> = state.iter().map(|w| format!("{w:016x}")).collect();
        SuffixSeed {
            from,
            rng: words.join(":"),
        }
    }

    /// The generator's state.
    pub fn state(&self) -> Result<[u64; 4], TraceError> {
        let bad = || {
            TraceError::invalid(format!(
                "fair_suffix.rng '{}' is not four 64-bit hex words",
                self.rng
            ))
        };
        let mut out = [0u64; 4];
        let mut words = self.rng.split(':');
        for w in &mut out {
            *w = u64::from_str_radix(words.next().ok_or_else(bad)?, 16).map_err(|_| bad())?;
        }
        if words.next().is_some() {
            return Err(bad());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_bad_text_is_refused() {
        let s = SuffixSeed::new(10_000, [1, u64::MAX, 0xabc, 7]);
        assert_eq!(s.state().unwrap(), [1, u64::MAX, 0xabc, 7]);
        for bad in ["", "1:2:3", "1:2:3:4:5", "1:2:x:4"] {
            let s = SuffixSeed {
                from: 1,
                rng: bad.into(),
            };
            assert!(s.state().is_err(), "{bad}");
        }
    }
}
