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
}

impl ExitCode {
    /// The numeric process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}
