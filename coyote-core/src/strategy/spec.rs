//! Strategy names as the CLI and traces spell them, and the factory that builds strategies.

use super::{Dfs, Pct, RandomWalk, Strategy};
use std::fmt;
use std::str::FromStr;

/// Per-iteration bounds every strategy is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bounds {
    /// Scheduling steps after which an iteration is cut short (`--max-steps`).
    pub max_steps: u32,
    /// Step bound for fair strategies (`--max-fair-steps`).
    pub max_fair_steps: u32,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_steps: 10_000,
            max_fair_steps: 100_000,
        }
    }
}

/// A strategy name with its parameters: `random`, `pct:3`, `dfs`, `dfs:40`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategySpec {
    /// Uniform random walk.
    Random,
    /// PCT with the given depth.
    Pct(u32),
    /// Exhaustive depth-first search with an optional depth bound.
    Dfs(Option<u32>),
}

/// A strategy name that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    /// The name is not a known strategy.
    #[error("unknown strategy '{0}' (known: random, pct[:depth], dfs[:depth])")]
    Unknown(String),
    /// The parameter is not a positive number.
    #[error("strategy '{name}' takes a positive whole number, got '{param}'")]
    BadParameter {
        /// The strategy.
        name: String,
        /// What was given.
        param: String,
    },
}

impl StrategySpec {
    /// The default PCT depth (Coyote's default too).
    pub const DEFAULT_PCT_DEPTH: u32 = 3;

    /// Builds the strategy with its own seed.
    pub fn build(&self, seed: u64, _bounds: Bounds) -> Box<dyn Strategy> {
        match *self {
            StrategySpec::Random => Box::new(RandomWalk::new(seed)),
            StrategySpec::Pct(depth) => Box::new(Pct::new(seed, depth)),
            StrategySpec::Dfs(depth) => Box::new(Dfs::new(depth)),
        }
    }

    /// Whether the strategy enumerates a finite space (then iterations may end early).
    pub fn is_exhaustive(&self) -> bool {
        matches!(self, StrategySpec::Dfs(_))
    }
}

fn param(name: &str, p: Option<&str>) -> Result<Option<u32>, SpecError> {
    match p {
        None => Ok(None),
        Some(s) => match s.parse::<u32>() {
            Ok(v) if v > 0 => Ok(Some(v)),
            _ => Err(SpecError::BadParameter {
                name: name.into(),
                param: s.into(),
            }),
        },
    }
}

impl FromStr for StrategySpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let (name, p) = match s.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        match name {
            "random" if p.is_none() => Ok(StrategySpec::Random),
            "pct" => Ok(StrategySpec::Pct(
                param(name, p)?.unwrap_or(Self::DEFAULT_PCT_DEPTH),
            )),
            "dfs" => Ok(StrategySpec::Dfs(param(name, p)?)),
            _ => Err(SpecError::Unknown(s.into())),
        }
    }
}

impl fmt::Display for StrategySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategySpec::Random => write!(f, "random"),
            StrategySpec::Pct(d) => write!(f, "pct:{d}"),
            StrategySpec::Dfs(None) => write!(f, "dfs"),
            StrategySpec::Dfs(Some(d)) => write!(f, "dfs:{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in ["random", "pct:3", "pct:10", "dfs", "dfs:40"] {
            let spec: StrategySpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
        }
        assert_eq!("pct".parse::<StrategySpec>().unwrap(), StrategySpec::Pct(3));
        assert!(matches!(
            "pct:x".parse::<StrategySpec>(),
            Err(SpecError::BadParameter { .. })
        ));
        assert!(matches!(
            "bogus".parse::<StrategySpec>(),
            Err(SpecError::Unknown(_))
        ));
    }
}
