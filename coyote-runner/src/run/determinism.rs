//! `--check-determinism`: each bug's trace is replayed twice more in-process, and the bug says
//! whether it reproduced the same failure both times.
//!
//! Invariant: a crash or hang is never replayed here (it would take coyote down); its message
//! says it was not checked.

use super::session::Session;
use crate::events::RunEvent;
use crate::library::Library;
use crate::Error;
use coyote_core::report::BugSummary;
use coyote_core::trace::{BugKind, Trace};

/// Replays `trace` twice; returns the bug's message, marked if it is unstable.
pub(super) fn check_determinism(
    s: &mut Session<'_>,
    lib: &Library,
    trace: &Trace,
    bug: &BugSummary,
) -> Result<String, Error> {
    let message = &bug.message;
    if matches!(bug.kind, BugKind::Crash | BugKind::Hang) {
        return Ok(format!(
            "{message} [determinism not checked: replaying a {} in-process would take coyote down]",
            bug.kind
        ));
    }
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let r = lib.replay(&coyote_core::abi::ReplayRequest {
            trace: trace.clone(),
            verbose: false,
            break_before_failure: false,
            lenient: false,
            run_last: Vec::new(),
            skip_log: false,
        });
        outcomes.push(match r {
            Ok(r) if r.reproduced && r.divergence.is_none() => "same".to_string(),
            Ok(r) => r.divergence.unwrap_or_else(|| "did not fail".into()),
            Err(e) => e.to_string(),
        });
    }
    if outcomes.iter().all(|o| o == "same") {
        s.reporter.emit(RunEvent::Determinism {
            trace: &bug.trace,
            unstable: None,
        })?;
        Ok(message.to_string())
    } else {
        let why = outcomes.join("; ");
        s.reporter.emit(RunEvent::Determinism {
            trace: &bug.trace,
            unstable: Some(&why),
        })?;
        Ok(format!("{message} [unstable on replay: {why}]"))
    }
}
