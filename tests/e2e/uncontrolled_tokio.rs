//! Issue 26: the real tokio crate (not the drop-in) inside a controlled test is never silent.
//! The lost update with `tokio::sync::Mutex` and a real `tokio::time::sleep` are each reported
//! as `uncontrolled`, naming tokio (not the clock) and the drop-in, at the user's line.

use crate::*;

#[test]
fn real_tokio_is_reported_naming_tokio_at_the_users_line() {
    let faulty = lib("faulty");
    for test in ["real_tokio_mutex", "real_tokio_sleep"] {
        let out = out_dir(test);
        let o = coyote_test(&faulty, test, &out, &["-i", "200", "--seed", "1"]);
        assert_eq!(o.status.code(), Some(1), "{test}: {}", text(&o));
        let r = report(&out);
        let bug = &r.tests[0].bugs[0];
        assert_eq!(bug.kind, BugKind::Uncontrolled, "{test}: {bug:?}");
        assert!(
            bug.message.contains("real tokio crate"),
            "{test}: {}",
            bug.message
        );
        assert!(
            bug.message.contains("coyote-tokio"),
            "{test}: {}",
            bug.message
        );
        assert!(
            !bug.message.contains("real clock"),
            "{test}: {}",
            bug.message
        );
        if test == "real_tokio_mutex" {
            // The lock's line (the second tokio operation of the step; see rt/coop.rs). The
            // sleep's clock read is named as tokio, its line not always found in the backtrace.
            let loc = bug.location.as_deref().unwrap_or_default();
            assert!(loc.contains("samples/faulty/src/lib.rs:"), "{test}: {loc}");
        }
    }
}
