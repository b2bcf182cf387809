//! The parsers of the options' values, and the one-line message of a value they reject.
//!
//! Invariant: every rejection is an [`ArgError`], so `arg_error_line` can say it in one line.

use super::ShardArg;
use coyote_core::shard::{Shard, ShardError};
use coyote_core::strategy::{SpecError, StrategySpec};
use std::time::Duration;

/// A value one of our parsers rejected. The binary prints it as one line after the option's
/// name (`--iterations must be at least 1`, `--strategy: unknown strategy 'x' (...)`).
#[derive(Debug)]
pub(crate) enum ArgError {
    /// A count of 0.
    Zero,
    /// A duration that is not a positive, finite number of seconds.
    NotPositiveSeconds,
    /// Not a strategy.
    Strategy(SpecError),
    /// Not a shard.
    Shard(ShardError),
}

impl ArgError {
    /// The one-line message for option `flag`.
    pub(crate) fn message(&self, flag: &str) -> String {
        match self {
            ArgError::Zero => format!("{flag} must be at least 1"),
            ArgError::NotPositiveSeconds => format!("{flag} must be a positive number of seconds"),
            ArgError::Strategy(e) => format!("{flag}: {e}"),
            ArgError::Shard(e) => format!("{flag}: {e}"),
        }
    }
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message("the value"))
    }
}

impl std::error::Error for ArgError {}

/// The one-line message for a value one of our parsers rejected (see [`ArgError`]), or
/// `None` for clap's other errors (and `--help`, `--version`).
pub(crate) fn arg_error_line(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::ValueValidation {
        return None;
    }
    let bad = std::error::Error::source(err)?.downcast_ref::<ArgError>()?;
    let flag = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.split_whitespace().next().unwrap_or(arg).to_string(),
        _ => "the value".to_string(),
    };
    Some(bad.message(&flag))
}

pub(super) fn shard(s: &str) -> Result<ShardArg, ArgError> {
    if s == "auto" {
        return Ok(ShardArg::Auto);
    }
    Shard::parse(s)
        .map(ShardArg::Fixed)
        .map_err(ArgError::Shard)
}

pub(super) fn strategy(s: &str) -> Result<StrategySpec, ArgError> {
    s.parse().map_err(ArgError::Strategy)
}

/// A count of at least 1 (a number that is not one is clap's usual error).
pub(super) fn at_least_one<N>(s: &str) -> Result<N, Box<dyn std::error::Error + Send + Sync>>
where
    N: std::str::FromStr<Err = std::num::ParseIntError>,
{
    s.parse()
        .map_err(|e: std::num::ParseIntError| match e.kind() {
            std::num::IntErrorKind::Zero => ArgError::Zero.into(),
            _ => e.into(),
        })
}

/// A positive, finite number of seconds (that fits a [`Duration`]).
pub(super) fn seconds(s: &str) -> Result<Duration, Box<dyn std::error::Error + Send + Sync>> {
    let secs: f64 = s.parse()?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(ArgError::NotPositiveSeconds.into());
    }
    Ok(Duration::try_from_secs_f64(secs).map_err(|_| ArgError::NotPositiveSeconds)?)
}
