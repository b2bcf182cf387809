//! `tokio::process`: tokio's, not controlled (a child process runs on the real clock and real
//! threads); in a test, spawning a child is reported as an `uncontrolled` bug at the caller's
//! line by [`Command::spawn`], [`Command::output`] and [`Command::status`].

pub use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout};

use std::ffi::OsStr;
use std::io;
use std::panic::Location;

/// tokio's `Command`, whose starts are checked for a test.
#[derive(Debug)]
pub struct Command {
    inner: tokio::process::Command,
}

impl Command {
    /// A command running `program`.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            inner: tokio::process::Command::new(program),
        }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, val);
        self
    }

    /// Sets the working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<std::path::Path>) -> &mut Command {
        self.inner.current_dir(dir);
        self
    }

    /// Sets the child's stdin.
    pub fn stdin(&mut self, cfg: impl Into<std::process::Stdio>) -> &mut Command {
        self.inner.stdin(cfg);
        self
    }

    /// Sets the child's stdout.
    pub fn stdout(&mut self, cfg: impl Into<std::process::Stdio>) -> &mut Command {
        self.inner.stdout(cfg);
        self
    }

    /// Sets the child's stderr.
    pub fn stderr(&mut self, cfg: impl Into<std::process::Stdio>) -> &mut Command {
        self.inner.stderr(cfg);
        self
    }

    /// Kills the child when its handle is dropped.
    pub fn kill_on_drop(&mut self, yes: bool) -> &mut Command {
        self.inner.kill_on_drop(yes);
        self
    }

    /// Starts the child.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        crate::__private::forbid_in_test("tokio::process::Command::spawn", Location::caller());
        self.inner.spawn()
    }

    /// Runs the child to completion, collecting its output.
    #[track_caller]
    pub fn output(
        &mut self,
    ) -> impl std::future::Future<Output = io::Result<std::process::Output>> + '_ {
        crate::__private::forbid_in_test("tokio::process::Command::output", Location::caller());
        self.inner.output()
    }

    /// Runs the child to completion.
    #[track_caller]
    pub fn status(
        &mut self,
    ) -> impl std::future::Future<Output = io::Result<std::process::ExitStatus>> + '_ {
        crate::__private::forbid_in_test("tokio::process::Command::status", Location::caller());
        self.inner.status()
    }

    /// tokio's command, unchecked.
    pub fn as_tokio(&mut self) -> &mut tokio::process::Command {
        &mut self.inner
    }
}
