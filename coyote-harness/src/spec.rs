//! Specifications: assertions the tester checks in every explored execution.
//!
//! `spec::assert` is a safety check. A failure is a bug of kind `assertion` with the message and
//! the caller's source line; the iteration ends there. In production it panics like `assert!`.
//! (A plain `assert!` or `unwrap` in a task is a bug too, of kind `panic`.)

use crate::rt::executor::SpecFailurePayload;
use crate::rt::with_executor;
use coyote_core::trace::BugKind;
use std::panic::Location;

/// Fails the test with `message` unless `condition` holds.
#[track_caller]
pub fn assert(condition: bool, message: impl AsRef<str>) {
    if condition {
        return;
    }
    let loc = Location::caller();
    let message = message.as_ref().to_string();
    let failed = with_executor(|ex| ex.fail(BugKind::Assertion, message.clone(), Some(loc)));
    match failed {
        Some(()) => std::panic::resume_unwind(Box::new(SpecFailurePayload)),
        None => panic!("specification violated: {message}"),
    }
}
