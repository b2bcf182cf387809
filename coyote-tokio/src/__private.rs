//! What the attribute macros expand to; not a public API.

pub use coyote_harness::__private::{inventory, Registered, TestOutput};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;

/// A registered test's future and where it was registered.
pub type TestFuture = (
    Pin<Box<dyn Future<Output = ()>>>,
    &'static Location<'static>,
);

/// Boxes a test's future, attributed to the caller (the `#[tokio::test]` line).
#[track_caller]
pub fn test_future(f: impl Future<Output = ()> + 'static) -> TestFuture {
    (Box::pin(f), Location::caller())
}

/// The body of a `#[tokio::test]` under `cargo test`: explores the test (see
/// `coyote_harness::check`), named as `coyote list` names it.
#[track_caller]
pub fn run_test(module: &'static str, name: &'static str, make: fn() -> TestFuture) {
    coyote_harness::__private::check_registered(&Registered::listed_name(module, name), make)
}

/// Reports `what` as an uncontrolled operation at `loc` when it runs inside a controlled test.
pub(crate) fn forbid_in_test(what: &str, loc: &'static Location<'static>) {
    if coyote_harness::is_test_mode() {
        coyote_harness::__private::uncontrolled(
            format!("the test used {what} inside a controlled task: coyote does not control it (it is tokio's own, outside coyote's scheduler), so what it does is neither explored nor replayed; keep it out of the test or behind a trait the test mocks"),
            loc,
        )
    }
}
