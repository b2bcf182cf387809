//! The `coyote` command: `list`, `test`, `replay` (and the hidden `__worker`).
//!
//! Exit codes (see `coyote_core::exit`): 0 no bug, 1 bug found or reproduced, 2 bad input or
//! usage, 3 internal error, 130 interrupted with no bug found.

mod cargo;
mod cli;
#[cfg(target_os = "linux")]
mod clock;
mod library;
mod output;
mod pool;
mod replay;
mod run;
mod signals;
mod suggest;
mod worker;

use clap::Parser;
use coyote_core::exit::ExitCode;

/// Lets controlled tasks read the real clock without a report (`--allow-real-clock`; see
/// `clock.rs`, which only exists where the clock is watched).
pub(crate) fn allow_real_clock(yes: bool) {
    #[cfg(target_os = "linux")]
    clock::allow_real_clock(yes);
    let _ = yes;
}

/// An error caused by the user's input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadInput(pub(crate) String);

fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<BadInput>().is_some()
        || err.downcast_ref::<library::LoadError>().is_some()
        || err.downcast_ref::<cargo::CargoError>().is_some()
        || err
            .downcast_ref::<coyote_core::trace::TraceError>()
            .is_some()
    {
        ExitCode::BadInput
    } else {
        ExitCode::Internal
    }
}

fn main() {
    // Like other Unix tools, die quietly when stdout's reader goes away (`coyote list | head`)
    // instead of panicking on the failed write. Workers get their spec from the environment,
    // so no other write of ours goes to a pipe that can close.
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::List(args) => run::list(&args),
        cli::Command::Test(args) => run::test(&args),
        cli::Command::Replay(args) => replay::replay(&args),
        cli::Command::Worker => worker::main(),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            let code = exit_code_of(&err);
            let prefix = if code == ExitCode::Internal {
                "coyote: internal error: "
            } else {
                "coyote: error: "
            };
            eprintln!("{prefix}{}", one_line(&format!("{err:#}")));
            std::process::exit(code.code());
        }
    }
}

fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
