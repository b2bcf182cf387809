//! The `coyote` command: `list`, `test`, `replay`, `minimize`, `report`, `merge`, `completions` (and the
//! hidden workers). A thin binary:
//! it parses the arguments into the runner's typed plans (see `cli`) and calls
//! [`coyote_runner`]; it also hosts the real-clock watch (see `clock`), which must live in the
//! executable.
//!
//! Exit codes (see `coyote_core::exit`): 0 no bug, 1 bug found or reproduced, 2 bad input or
//! usage, 3 internal error, 130 interrupted with no bug found.

mod cli;
#[cfg(target_os = "linux")]
mod clock;

use clap::Parser;
use coyote_core::exit::ExitCode;
use coyote_runner::Host;

/// The real-clock watch of this executable, for the runner.
fn host() -> Host {
    #[cfg(target_os = "linux")]
    return Host {
        allow_real_clock: clock::allow_real_clock,
        diagnosing: clock::diagnosing,
    };
    #[cfg(not(target_os = "linux"))]
    return Host::NONE;
}

fn run(command: cli::Command) -> anyhow::Result<ExitCode> {
    Ok(match command {
        cli::Command::List(args) => coyote_runner::list(&args.plan())?,
        cli::Command::Test(args) => coyote_runner::test(&args.plan()?, host())?,
        cli::Command::Merge(args) => coyote_runner::merge(&args.plan())?,
        cli::Command::Replay(args) => coyote_runner::replay(&args.plan(), host())?,
        cli::Command::Report(args) => {
            let out = args.output.unwrap_or_else(|| args.dir.join("report.html"));
            coyote_runner::write_html_report(&args.dir, &out)?;
            println!("coyote: wrote {}", out.display());
            ExitCode::Ok
        }
        cli::Command::Completions { shell } => {
            use clap::CommandFactory;
            // The hidden worker subcommand is not one to offer (clap_complete would).
            let full = cli::Cli::command();
            let mut cmd = clap::Command::new("coyote")
                .about(full.get_about().cloned().unwrap_or_default())
                .version(env!("CARGO_PKG_VERSION"))
                .args(full.get_arguments().cloned())
                .subcommands(full.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
            clap_complete::generate(shell, &mut cmd, "coyote", &mut std::io::stdout());
            ExitCode::Ok
        }
        cli::Command::Minimize(args) => coyote_runner::minimize(&args.plan())?,
        cli::Command::ReplayWorker => {
            let status = coyote_runner::replay_worker_main(host())?;
            std::process::exit(status)
        }
        cli::Command::Worker => {
            let status = coyote_runner::worker_main(host())?;
            std::process::exit(status)
        }
    })
}

fn main() {
    // Like other Unix tools, die quietly when stdout's reader goes away (`coyote list | head`)
    // instead of panicking on the failed write. Workers get their spec from the environment,
    // so no other write of ours goes to a pipe that can close.
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => match cli::arg_error_line(&err) {
            Some(line) => {
                eprintln!("coyote: error: {line}");
                std::process::exit(ExitCode::BadInput.code());
            }
            None => err.exit(),
        },
    };
    coyote_runner::set_color(cli.color.choice());
    match run(cli.command) {
        Ok(code) => std::process::exit(code.code()),
        Err(err) => {
            let code = err
                .downcast_ref::<coyote_runner::Error>()
                .map_or(ExitCode::Internal, coyote_runner::Error::exit_code);
            let prefix = if code == ExitCode::Internal {
                "coyote: internal error: "
            } else {
                "coyote: error: "
            };
            eprintln!("{prefix}{}", one_line(&chain(&err)));
            std::process::exit(code.code());
        }
    }
}

/// The error and its causes, `: `-separated, leaving out a cause its message already quotes
/// (`cannot read trace t: No such file` is not followed by `: No such file` again).
fn chain(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
