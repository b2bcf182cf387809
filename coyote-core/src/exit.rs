//! The documented exit codes of the `coyote` command. CI scripts rely on these numbers.

/// How a `coyote` invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ExitCode {
    /// No bug found (or, for `replay`, the trace did not reproduce a bug).
    Ok = 0,
    /// A bug was found, or a replay reproduced it.
    BugFound = 1,
    /// Bad input or usage: missing library, unknown test, malformed trace, bad option.
    BadInput = 2,
    /// An internal error of coyote itself.
    Internal = 3,
    /// Interrupted (Ctrl-C, SIGTERM) before any bug was found: 128 + SIGINT, as shells report.
    Interrupted = 130,
}

impl ExitCode {
    /// The numeric process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The exit code a `coyote` process ended with, if it is one of these.
    pub fn from_code(code: Option<i32>) -> Option<ExitCode> {
        [
            ExitCode::Ok,
            ExitCode::BugFound,
            ExitCode::BadInput,
            ExitCode::Internal,
            ExitCode::Interrupted,
        ]
        .into_iter()
        .find(|e| Some(e.code()) == code)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn codes_are_the_documented_numbers() {
        assert_eq!(ExitCode::Interrupted.code(), 130);
        assert_eq!(ExitCode::from_code(Some(2)), Some(ExitCode::BadInput));
        assert_eq!(ExitCode::from_code(Some(130)), Some(ExitCode::Interrupted));
        assert_eq!(ExitCode::from_code(Some(86)), None);
        assert_eq!(ExitCode::from_code(None), None);
    }
}
