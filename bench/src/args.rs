//! Command-line arguments (clap), validated into [`Opts`].
//!
//! Invariants: `samples >= 1`; `secs` is a finite positive budget; `only` names one of the
//! profiling targets with an iteration count.

use clap::{Parser, ValueEnum};

/// What `--only` runs by itself (one measurement, printed; for profilers such as callgrind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Only {
    /// `random` through the C ABI entry point a `coyote test -j 1` worker calls.
    CoyoteAbi,
    /// `coyote-abi` with the saturation signal off (its cost: the difference).
    CoyoteAbiPlain,
    /// `coyote-abi` with coverage on as well (what `--until-saturated` turns on).
    CoyoteAbiCoverage,
    /// `random` through `coyote_harness::check`.
    CoyoteCheck,
    /// shuttle's random scheduler, counting decisions.
    Shuttle,
    /// Ping-pong actors under `check` (N iterations; see `actors.rs`).
    ActorTest,
    /// Ping-pong actors in production mode (N runs).
    ActorProd,
    /// The same ping-pong on raw tokio tasks and mpsc channels (N runs).
    TokioMpsc,
}

impl Only {
    /// The name as `--only` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Only::CoyoteAbi => "coyote-abi",
            Only::CoyoteAbiPlain => "coyote-abi-plain",
            Only::CoyoteAbiCoverage => "coyote-abi-coverage",
            Only::CoyoteCheck => "coyote-check",
            Only::Shuttle => "shuttle",
            Only::ActorTest => "actor-test",
            Only::ActorProd => "actor-prod",
            Only::TokioMpsc => "tokio-mpsc",
        }
    }
}

/// Throughput of coyote-harness against shuttle, and the production wrapper against raw tokio.
#[derive(Parser, Debug)]
#[command(name = "coyote-bench")]
struct Cli {
    /// Measurement budget per controlled system, in seconds.
    #[arg(long, value_name = "S", default_value_t = 3.0, value_parser = positive_secs)]
    secs: f64,
    /// Interleaved samples per system (the table shows their median).
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    samples: u64,
    /// Do not write bench/RESULTS.md.
    #[arg(long)]
    no_write: bool,
    /// Skip the production-mode (tokio) comparison.
    #[arg(long)]
    skip_prod: bool,
    /// Skip the actor benchmarks (ping-pong, idle actors).
    #[arg(long)]
    skip_actors: bool,
    /// Run one thing N iterations, print its time and exit: coyote-abi, coyote-abi-plain,
    /// coyote-abi-coverage, coyote-check, shuttle,
    /// actor-test, actor-prod or tokio-mpsc.
    #[arg(long, num_args = 2, value_names = ["WHAT", "N"])]
    only: Option<Vec<String>>,
}

fn positive_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a positive number of seconds")),
    }
}

/// The validated options.
pub(crate) struct Opts {
    pub(crate) only: Option<(Only, u64)>,
    pub(crate) secs: f64,
    pub(crate) samples: usize,
    pub(crate) write: bool,
    pub(crate) prod: bool,
    pub(crate) actors: bool,
}

/// Parses the command line; exits 2 with the usage on a bad one.
pub(crate) fn parse() -> Opts {
    use clap::CommandFactory;
    let cli = Cli::parse();
    let only = cli.only.map(|v| {
        let bad = |msg: String| -> ! {
            Cli::command()
                .error(clap::error::ErrorKind::InvalidValue, msg)
                .exit()
        };
        let what = Only::from_str(&v[0], false).unwrap_or_else(|_| {
            bad(format!(
                "unknown --only target '{}' (coyote-abi, coyote-abi-plain, coyote-abi-coverage, coyote-check, shuttle, actor-test, actor-prod, tokio-mpsc)",
                v[0]
            ))
        });
        let n = v[1].parse().unwrap_or_else(|_| {
            bad(format!(
                "--only {} takes an iteration count, got '{}'",
                v[0], v[1]
            ))
        });
        (what, n)
    });
    Opts {
        only,
        secs: cli.secs,
        samples: cli.samples as usize,
        write: !cli.no_write,
        prod: !cli.skip_prod,
        actors: !cli.skip_actors,
    }
}
