//! Strategy names as the CLI and traces spell them, and the factory that builds strategies.

use super::{
    DelayBounding, Dfs, Dpor, FairPct, IterativeDelayBounding, Mff, Pct, Portfolio, Pos,
    Probabilistic, QLearning, RandomWalk, Rff, Strategy,
};
use std::fmt;
use std::str::FromStr;

/// Per-iteration bounds every strategy is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bounds {
    /// Scheduling steps after which an iteration is cut short (`--max-steps`).
    pub max_steps: u32,
    /// Step bound for fair strategies (`--max-fair-steps`), those whose
    /// [`Strategy::is_fair`] is true, and for the fair suffix any other strategy gets when a
    /// monitor is hot at `max_steps` (see [`FairSuffix`](super::FairSuffix)).
    pub max_fair_steps: u32,
    /// Steps of a fair execution a monitor may stay hot without being cold before it is a
    /// liveness bug (`--liveness-threshold`); `None`: half of `max_fair_steps`. Optional in
    /// the ABI: a request without it gets the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_threshold: Option<u32>,
}

impl Bounds {
    /// How many steps a fair strategy with an unfair prefix (`fair-pct`) runs unfairly:
    /// `max_steps`, but at most a quarter of `max_fair_steps`, so a fair part long enough to
    /// judge liveness is always left. The liveness threshold counts from its end.
    pub fn unfair_prefix(&self) -> u32 {
        self.max_steps.min(self.max_fair_steps / 4)
    }

    /// The liveness threshold in force: [`Bounds::liveness_threshold`], or half of
    /// [`Bounds::max_fair_steps`].
    pub fn threshold(&self) -> u32 {
        self.liveness_threshold.unwrap_or(self.max_fair_steps / 2)
    }
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_steps: 10_000,
            max_fair_steps: 100_000,
            liveness_threshold: None,
        }
    }
}

/// A strategy name with its parameters: `random`, `pct:3`, `dfs`, `dfs:40`, `portfolio`, ...
/// (see [`StrategySpec::ALL_NAMES`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategySpec {
    /// Uniform random walk.
    Random,
    /// PCT with the given depth.
    Pct(u32),
    /// Exhaustive depth-first search with an optional depth bound.
    Dfs(Option<u32>),
    /// Exhaustive search with partial-order reduction, with an optional preemption bound.
    Dpor(Option<u32>),
    /// PCT with the given depth for `max_steps` steps, then uniform random (fair).
    FairPct(u32),
    /// Keep running the current operation; switch with probability `1 / 2^n`.
    Probabilistic(u32),
    /// Round-robin with at most the given number of random delays per iteration.
    DelayBounding(u32),
    /// Every execution within the given number of delays of round-robin, then exhausted.
    Idb(u32),
    /// Q-learning over program states.
    Rl,
    /// Partial-order sampling: random priorities, redrawn for the operations that race.
    Pos,
    /// Reads-from guided schedule fuzzing: mutate schedules that showed a new reads-from pair.
    Rff,
    /// Memory-state guided schedule fuzzing: mutate schedules that reached a new state of the
    /// program's atomics.
    Mff,
    /// The default: a per-worker rotation through several strategies.
    Portfolio,
}

/// A strategy name that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    /// The name is not a known strategy.
    #[error("unknown strategy '{0}' (known: {known})", known = StrategySpec::ALL_NAMES.join(", "))]
    Unknown(String),
    /// The parameter is not a positive number.
    #[error("strategy '{name}' takes a positive whole number (0 allowed for delay-bounding, idb and dpor), got '{param}'")]
    BadParameter {
        /// The strategy.
        name: String,
        /// What was given.
        param: String,
    },
}

impl StrategySpec {
    /// The default PCT depth (Coyote's default too); also fair-pct's.
    pub const DEFAULT_PCT_DEPTH: u32 = 3;
    /// The default `n` of `probabilistic` (switch with probability 1/8).
    pub const DEFAULT_PROBABILISTIC_N: u32 = 3;
    /// The default number of delays of `delay-bounding` and `idb`.
    pub const DEFAULT_DELAYS: u32 = 2;

    /// Every strategy name with its optional parameter, as `--strategy` takes it (for help text).
    pub const ALL_NAMES: &'static [&'static str] = &[
        "portfolio",
        "random",
        "pct[:depth]",
        "fair-pct[:depth]",
        "probabilistic[:n]",
        "delay-bounding[:delays]",
        "idb[:delays]",
        "rl",
        "pos",
        "rff",
        "mff",
        "dfs[:depth]",
        "dpor[:preemptions]",
    ];

    /// Builds the strategy with its own seed. `Portfolio` builds worker 0's portfolio; see
    /// [`StrategySpec::build_for_worker`].
    pub fn build(&self, seed: u64, bounds: Bounds) -> Box<dyn Strategy> {
        match *self {
            StrategySpec::Random => Box::new(RandomWalk::new(seed)),
            StrategySpec::Pct(depth) => Box::new(Pct::new(seed, depth)),
            StrategySpec::Dfs(depth) => Box::new(Dfs::new(depth)),
            StrategySpec::Dpor(bound) => Box::new(Dpor::new(bound)),
            StrategySpec::FairPct(depth) => {
                Box::new(FairPct::new(seed, depth, bounds.unfair_prefix()))
            }
            StrategySpec::Probabilistic(n) => Box::new(Probabilistic::new(seed, n)),
            StrategySpec::DelayBounding(d) => Box::new(DelayBounding::new(seed, d)),
            StrategySpec::Idb(d) => Box::new(IterativeDelayBounding::new(d)),
            StrategySpec::Rl => Box::new(QLearning::new(seed)),
            StrategySpec::Pos => Box::new(Pos::new(seed)),
            StrategySpec::Rff => Box::new(Rff::new(seed)),
            StrategySpec::Mff => Box::new(Mff::new(seed)),
            StrategySpec::Portfolio => Box::new(Portfolio::for_worker(seed, 0, bounds)),
        }
    }

    /// Builds the strategy for worker `worker` of a parallel run: the portfolio gives each
    /// worker its own starting member; every other strategy is [`StrategySpec::build`].
    pub fn build_for_worker(&self, seed: u64, worker: u32, bounds: Bounds) -> Box<dyn Strategy> {
        match *self {
            StrategySpec::Portfolio => Box::new(Portfolio::for_worker(seed, worker, bounds)),
            _ => self.build(seed, bounds),
        }
    }

    /// Builds the strategy for worker `worker`, exploring only part `split` of the space if it
    /// is exhaustive (see [`crate::shard::Split`]); other strategies ignore `split`.
    pub fn build_split(
        &self,
        seed: u64,
        worker: u32,
        bounds: Bounds,
        split: Option<crate::shard::Split>,
    ) -> Box<dyn Strategy> {
        match (self, split) {
            (&StrategySpec::Dfs(depth), Some(split)) => Box::new(Dfs::new(depth).split(split)),
            (&StrategySpec::Idb(d), Some(split)) => {
                Box::new(IterativeDelayBounding::new(d).split(split))
            }
            _ => self.build_for_worker(seed, worker, bounds),
        }
    }

    /// Whether the strategy enumerates a finite space (then iterations may end early).
    pub fn is_exhaustive(&self) -> bool {
        matches!(
            self,
            StrategySpec::Dfs(_) | StrategySpec::Idb(_) | StrategySpec::Dpor(_)
        )
    }

    /// What an exhaustive strategy has explored once it is exhausted, as a summary line says it:
    /// `explored {this}: N schedules`.
    pub fn exhausted_space(&self) -> String {
        match self {
            StrategySpec::Idb(d) => format!(
                "every schedule within {d} delay{} of round robin",
                if *d == 1 { "" } else { "s" }
            ),
            StrategySpec::Dpor(None) => {
                "every schedule up to the order of independent steps".to_string()
            }
            StrategySpec::Dpor(Some(p)) => format!(
                "every schedule within {p} preemption{} up to the order of independent steps",
                if *p == 1 { "" } else { "s" }
            ),
            _ => "the whole space".to_string(),
        }
    }

    /// Whether the strategy is always fair ([`Strategy::is_fair`]), so its iterations are bounded
    /// by [`Bounds::max_fair_steps`]. The portfolio is fair only in some iterations: ask the
    /// built strategy after each `begin_iteration`.
    pub fn is_fair(&self) -> bool {
        matches!(
            self,
            StrategySpec::FairPct(_) | StrategySpec::Probabilistic(_)
        )
    }
}

fn param(name: &str, p: Option<&str>) -> Result<Option<u32>, SpecError> {
    param_min(name, p, 1)
}

fn param_min(name: &str, p: Option<&str>, min: u32) -> Result<Option<u32>, SpecError> {
    match p {
        None => Ok(None),
        Some(s) => match s.parse::<u32>() {
            Ok(v) if v >= min => Ok(Some(v)),
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
            "dpor" => Ok(StrategySpec::Dpor(param_min(name, p, 0)?)),
            "fair-pct" => Ok(StrategySpec::FairPct(
                param(name, p)?.unwrap_or(Self::DEFAULT_PCT_DEPTH),
            )),
            "probabilistic" => Ok(StrategySpec::Probabilistic(
                param(name, p)?.unwrap_or(Self::DEFAULT_PROBABILISTIC_N),
            )),
            "delay-bounding" => Ok(StrategySpec::DelayBounding(
                param_min(name, p, 0)?.unwrap_or(Self::DEFAULT_DELAYS),
            )),
            "idb" => Ok(StrategySpec::Idb(
                param_min(name, p, 0)?.unwrap_or(Self::DEFAULT_DELAYS),
            )),
            "rl" if p.is_none() => Ok(StrategySpec::Rl),
            "pos" if p.is_none() => Ok(StrategySpec::Pos),
            "rff" if p.is_none() => Ok(StrategySpec::Rff),
            "mff" if p.is_none() => Ok(StrategySpec::Mff),
            "portfolio" if p.is_none() => Ok(StrategySpec::Portfolio),
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
            StrategySpec::Dpor(None) => write!(f, "dpor"),
            StrategySpec::Dpor(Some(p)) => write!(f, "dpor:{p}"),
            StrategySpec::FairPct(d) => write!(f, "fair-pct:{d}"),
            StrategySpec::Probabilistic(n) => write!(f, "probabilistic:{n}"),
            StrategySpec::DelayBounding(d) => write!(f, "delay-bounding:{d}"),
            StrategySpec::Idb(d) => write!(f, "idb:{d}"),
            StrategySpec::Rl => write!(f, "rl"),
            StrategySpec::Pos => write!(f, "pos"),
            StrategySpec::Rff => write!(f, "rff"),
            StrategySpec::Mff => write!(f, "mff"),
            StrategySpec::Portfolio => write!(f, "portfolio"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in [
            "random",
            "pct:3",
            "pct:10",
            "dfs",
            "dfs:40",
            "dpor",
            "dpor:0",
            "dpor:2",
            "fair-pct:3",
            "fair-pct:7",
            "probabilistic:3",
            "probabilistic:5",
            "delay-bounding:0",
            "delay-bounding:2",
            "idb:0",
            "idb:3",
            "rl",
            "pos",
            "rff",
            "mff",
            "portfolio",
        ] {
            let spec: StrategySpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
            // The built strategy calls itself the same (the portfolio adds its member).
            let built = spec.build_for_worker(1, 0, Bounds::default());
            if spec == StrategySpec::Portfolio {
                assert_eq!(built.name(), "portfolio/pct:5");
            } else {
                assert_eq!(built.name(), s);
            }
        }
        assert_eq!("pct".parse::<StrategySpec>().unwrap(), StrategySpec::Pct(3));
        let defaults: [StrategySpec; 3] =
            ["fair-pct", "probabilistic", "delay-bounding"].map(|s| s.parse().unwrap());
        assert_eq!(
            defaults,
            [
                StrategySpec::FairPct(3),
                StrategySpec::Probabilistic(3),
                StrategySpec::DelayBounding(2)
            ]
        );
        assert!(matches!(
            "fair-pct:0".parse::<StrategySpec>(),
            Err(SpecError::BadParameter { .. })
        ));
        assert!(matches!(
            "rl:2".parse::<StrategySpec>(),
            Err(SpecError::Unknown(_))
        ));
        let unknown = "bogus".parse::<StrategySpec>().unwrap_err().to_string();
        for name in StrategySpec::ALL_NAMES {
            let bare = name.split('[').next().unwrap();
            assert!(unknown.contains(name), "{unknown}");
            assert!(bare.parse::<StrategySpec>().is_ok(), "{bare}");
        }
        assert!(StrategySpec::FairPct(3).is_fair() && !StrategySpec::Portfolio.is_fair());
        assert!(StrategySpec::Idb(1).is_exhaustive() && !StrategySpec::Pos.is_exhaustive());
        assert_eq!(
            StrategySpec::Idb(1).exhausted_space(),
            "every schedule within 1 delay of round robin"
        );
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
