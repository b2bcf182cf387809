//! Reporting a test's bugs as they settle: one trace file per distinct bug, numbered in the
//! order the run settles them, and a console line each.
//!
//! Invariant: a bug's trace is written (atomically) before its console line; a repeat of a bug
//! already recorded only counts occurrences.

use super::consumers::Console;
use super::explored::Explored;
use super::Session;
use crate::output::{self, write_atomic};
use anyhow::Context as _;
use coyote_core::report::BugSummary;
use coyote_core::trace::{BugKey, Trace};

/// A bug reported for the test, with its identity (see `Failure::dedup_key`).
pub(super) struct BugRecord {
    pub(super) key: BugKey,
    pub(super) summary: BugSummary,
}

/// With `--explore`: counts an occurrence of a bug as it arrives (pending on disk at once) and
/// prints a line for a new one; its trace file is named when the run settles.
pub(super) fn announce(
    s: &Session<'_>,
    test: &str,
    trace: Trace,
    explored: &mut Explored,
    worker: u32,
    order: u64,
    console: &Console,
) -> anyhow::Result<()> {
    if let Some(trace) = explored.add(&s.out, test, worker, order, trace)? {
        console.say(format!(
            "bug found in {test}, iteration {} ({}): {}\n  (its trace is named when the run ends)",
            trace.iteration, trace.origin, trace.failure
        ));
    }
    Ok(())
}

/// Records a settled bug, in order: a new one gets its trace file (numbered in that order) and a
/// console line; a repeat (two workers' first bugs in the same iteration) counts as occurrences.
pub(super) fn record_bug(
    s: &Session<'_>,
    test: &str,
    mut trace: Trace,
    occurrences: u64,
    bugs: &mut Vec<BugRecord>,
    console: &Console,
) -> anyhow::Result<()> {
    trace.library = Some(s.lib_ref.clone());
    trace.allow_real_clock = s.args.allow_real_clock;
    let key = trace.failure.dedup_key();
    if let Some(b) = bugs.iter_mut().find(|b| b.key == key) {
        b.summary.occurrences += occurrences;
        return Ok(());
    }
    let path = output::trace_path(&s.out, test, bugs.len() + 1);
    write_atomic(&path, trace.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let shown = path.display().to_string();
    let head = if s.args.explore {
        format!("bug {} of {test}", bugs.len() + 1)
    } else {
        format!("bug found in {test}")
    };
    console.say(format!(
        "{head}, iteration {} ({}): {}\n  trace:  {shown}\n  replay: coyote replay {shown}",
        trace.iteration, trace.origin, trace.failure
    ));
    console.bar.set_message(format!(
        "{} bug{}",
        bugs.len() + 1,
        if bugs.is_empty() { "" } else { "s" }
    ));
    bugs.push(BugRecord {
        key,
        summary: BugSummary {
            kind: trace.failure.kind,
            message: trace.failure.message.clone(),
            location: trace.failure.location.clone(),
            trace: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            origin: trace.origin.clone(),
            iteration: trace.iteration,
            occurrences,
        },
    });
    Ok(())
}
