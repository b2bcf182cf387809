//! Where a trace's decisions came from: a strategy that found the bug, or the capture re-run of
//! a worker that crashed or hung.
//!
//! On disk (format version 1) an origin is the pair of fields `"strategy"` and `"seed"`; a
//! captured trace writes `"strategy": ""` and `"seed": 0`, as every version-1 writer did, so
//! today's and older readers read either. Invariant: that empty name is the only encoding of
//! [`Origin::Captured`] and never reaches a reader as a strategy name.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where a trace's decisions came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A strategy found the bug.
    Strategy {
        /// The strategy's name as built: a [`StrategySpec`](crate::strategy::StrategySpec)
        /// (`pct:3`), or for the portfolio `portfolio/<member>` (`portfolio/pct:5`).
        name: String,
        /// The seed the strategy ran with.
        seed: u64,
    },
    /// The worker crashed or hung; a fresh worker re-ran its share up to the failing iteration
    /// and streamed these decisions.
    Captured,
}

impl Origin {
    /// Found by the strategy `name` with `seed`.
    pub fn strategy(name: impl Into<String>, seed: u64) -> Origin {
        let name = name.into();
        debug_assert!(!name.is_empty(), "a strategy has a name");
        Origin::Strategy { name, seed }
    }

    /// The strategy's name, if a strategy found the bug.
    pub fn strategy_name(&self) -> Option<&str> {
        match self {
            Origin::Strategy { name, .. } => Some(name),
            Origin::Captured => None,
        }
    }

    /// The strategy's seed, if a strategy found the bug.
    pub fn seed(&self) -> Option<u64> {
        match self {
            Origin::Strategy { seed, .. } => Some(*seed),
            Origin::Captured => None,
        }
    }
}

impl fmt::Display for Origin {
    /// `pct:3 seed 42`, or `captured in a fresh worker`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Strategy { name, seed } => write!(f, "{name} seed {seed}"),
            Origin::Captured => f.write_str("captured in a fresh worker"),
        }
    }
}

/// The version-1 fields of an origin.
#[derive(Serialize, Deserialize)]
struct Fields<S> {
    strategy: S,
    seed: u64,
}

impl Serialize for Origin {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        let (strategy, seed) = match self {
            Origin::Strategy { name, seed } => (name.as_str(), *seed),
            Origin::Captured => ("", 0),
        };
        Fields { strategy, seed }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Origin, D::Error> {
        let f = Fields::<String>::deserialize(d)?;
        Ok(if f.strategy.is_empty() {
            Origin::Captured
        } else {
            Origin::Strategy {
                name: f.strategy,
                seed: f.seed,
            }
        })
    }
}
