//! Specifications: assertions and monitors the tester checks in every explored execution.
//!
//! `spec::assert` is a safety check. A failure is a bug of kind `assertion` with the message and
//! the caller's source line; the iteration ends there. In production it panics like `assert!`.
//! (A plain `assert!` or `unwrap` in a task is a bug too, of kind `panic`.)
//!
//! [`Monitor`]s observe events from the whole program ([`monitor`]) and check properties that
//! span tasks: safety, with `spec::assert` in their handler, and liveness, with a
//! [`Temperature`]: a monitor still hot when the execution ends, or hot for too long in a fair
//! execution, is a bug of kind `liveness` (see [`Monitor`]).

use crate::rt::executor::SpecFailurePayload;
use crate::rt::with_executor;
use coyote_core::trace::BugKind;
use std::panic::Location;

mod monitor;

pub(crate) use monitor::short_name;

pub use crate::rt::Temperature;
pub(crate) use monitor::register_at;
pub use monitor::{monitor, register, Monitor};

/// Fails the test with `message` unless `condition` holds.
#[track_caller]
pub fn assert(condition: bool, message: impl AsRef<str>) {
    if condition {
        return;
    }
    fail(
        BugKind::Assertion,
        message.as_ref().to_string(),
        Location::caller(),
    )
}

/// Fails the test with a bug of `kind`, at `loc`, in the running task; in production, panics
/// with `message`.
pub(crate) fn fail(kind: BugKind, message: String, loc: &'static Location<'static>) -> ! {
    let failed = with_executor(|ex| ex.fail(kind, message.clone(), Some(loc)));
    match failed {
        Some(()) => std::panic::resume_unwind(Box::new(SpecFailurePayload)),
        None => panic!("specification violated: {message}"),
    }
}
