//! Command-line arguments (clap), validated into [`Args`].
//!
//! Invariants: `seeds >= 1`; a list flag (`--programs`, `--strategies`) holds its
//! comma-separated, trimmed, non-empty items, and given twice the last one wins; `out` is `None`
//! when `--out -` asks for no file. Names are checked against the suite in `main`, which reports
//! an unknown one through [`invalid`] (exit 2, with the usage).

use clap::{CommandFactory, Parser};
use std::path::PathBuf;

/// A comma-separated list: `a,b, c` is `["a", "b", "c"]`.
#[derive(Clone, Debug)]
struct List(Vec<String>);

fn list(s: &str) -> Result<List, String> {
    Ok(List(
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
    ))
}

/// How fast does each strategy find each SCTBench bug? Runs every program under our strategies
/// and shuttle's schedulers and writes a markdown table.
#[derive(Parser, Debug)]
#[command(name = "bench-bugs", after_help = after_help())]
struct Cli {
    /// Programs to run, comma-separated (default: all).
    #[arg(long, value_name = "A,B", value_parser = list)]
    programs: Option<List>,
    /// Seeds per program and strategy (seeds 1..=N).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: u64,
    /// Iteration budget per run.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    iterations: u64,
    /// Strategies to run, comma-separated (ours and shuttle's; default: the list below).
    #[arg(long, value_name = "S,T", value_parser = list)]
    strategies: Option<List>,
    /// Where to write the table (default: RESULTS.md next to this crate's manifest; `-`: nowhere).
    #[arg(long, value_name = "PATH|-")]
    out: Option<String>,
    /// Also write every run's first bug as CSV (`program,strategy,seed,first_bug`).
    #[arg(long, value_name = "CSV")]
    raw: Option<PathBuf>,
}

fn after_help() -> String {
    format!(
        "programs: {}\nstrategies: {}, {}",
        sctbench::PROGRAMS
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(","),
        crate::OUR_STRATEGIES.join(","),
        crate::SHUTTLE_SCHEDULERS.join(",")
    )
}

/// The validated arguments.
pub(crate) struct Args {
    pub(crate) programs: Option<Vec<String>>,
    pub(crate) strategies: Option<Vec<String>>,
    pub(crate) seeds: u64,
    pub(crate) iterations: u64,
    pub(crate) out: Option<PathBuf>,
    pub(crate) raw: Option<PathBuf>,
}

/// Parses the command line; exits 2 with the usage on a bad one.
pub(crate) fn parse() -> Args {
    let cli = Cli::parse();
    Args {
        programs: cli.programs.map(|l| l.0),
        strategies: cli.strategies.map(|l| l.0),
        seeds: cli.seeds,
        iterations: cli.iterations,
        out: match cli.out.as_deref() {
            Some("-") => None,
            Some(path) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md")),
        },
        raw: cli.raw,
    }
}

/// Reports a bad value found after parsing (an unknown program or strategy) and exits 2.
pub(crate) fn invalid(message: &str) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::InvalidValue, message)
        .exit()
}
