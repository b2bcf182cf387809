//! The runner's one error type and the exit code each error means.
//!
//! Invariant: every message is one line (the binary prints it after `coyote: error: `); an
//! error is [`ExitCode::BadInput`] exactly when the user's input caused it (a path, a name, a
//! trace, an option), and [`ExitCode::Internal`] otherwise.

use crate::cargo::CargoError;
use crate::library::LoadError;
use coyote_core::exit::ExitCode;
use coyote_core::trace::TraceError;

/// Why a `coyote` command could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input is wrong (the message says how).
    #[error("{0}")]
    BadInput(String),
    /// The test library cannot be used.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Cargo could not give us the test library.
    #[error(transparent)]
    Cargo(#[from] CargoError),
    /// The trace cannot be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// An operating-system call failed while doing `what`.
    #[error("{what}: {source}")]
    Io {
        /// What we were doing (`cannot write coyote-out/report.json`).
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Something coyote itself got wrong.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The exit code this error ends the command with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::BadInput(_) | Error::Load(_) | Error::Cargo(_) | Error::Trace(_) => {
                ExitCode::BadInput
            }
            Error::Io { .. } | Error::Internal(_) => ExitCode::Internal,
        }
    }

    /// An [`Error::Io`] while doing `what`.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}
