//! `--check-determinism`: each bug's trace is replayed twice more in-process, and the bug says
//! whether it reproduced the same failure both times.

use super::consumers::say_plainly;
use super::Session;
use crate::library::Library;
use coyote_core::report::BugSummary;
use coyote_core::trace::{BugKind, Trace};

pub(super) fn check_determinism(
    s: &Session<'_>,
    lib: &Library,
    bug: &BugSummary,
    message: &str,
) -> String {
    if matches!(bug.kind, BugKind::Crash | BugKind::Hang) {
        return format!(
            "{message} [determinism not checked: replaying a {} in-process would take coyote down]",
            bug.kind
        );
    }
    let Ok(trace) = Trace::read(&s.out.join(&bug.trace)) else {
        return message.to_string();
    };
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let r = lib.replay(&coyote_core::abi::ReplayRequest {
            trace: trace.clone(),
            verbose: false,
            break_before_failure: false,
        });
        outcomes.push(match r {
            Ok(r) if r.reproduced && r.divergence.is_none() => "same".to_string(),
            Ok(r) => r.divergence.unwrap_or_else(|| "did not fail".into()),
            Err(e) => e.to_string(),
        });
    }
    if outcomes.iter().all(|o| o == "same") {
        say_plainly(
            s.args.json,
            &format!(
                "determinism: {} replays the same failure twice: stable",
                bug.trace
            ),
        );
        message.to_string()
    } else {
        say_plainly(
            s.args.json,
            &format!(
                "determinism: {} is NOT stable: {}",
                bug.trace,
                outcomes.join("; ")
            ),
        );
        format!("{message} [unstable on replay: {}]", outcomes.join("; "))
    }
}
