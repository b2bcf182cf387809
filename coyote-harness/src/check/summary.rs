//! What [`check`](super::check) prints: a failure's step log ([`shown_log`]), and the line it
//! prints to stderr when a test passes (cargo test shows it with `--nocapture`, and under a
//! failing test anyway):
//! `coyote: <name>: 0 bugs, 1,000 iterations, 734 distinct schedules, 38,112 steps, 0.21s
//! (portfolio, seed 0)`.
//!
//! Invariants: distinct schedules are distinct decision sequences, named by
//! [`schedule_hash`](coyote_core::saturation::schedule_hash) as the CLI's saturation report
//! names them (one hash per iteration, after it ends: the runner's novelty tracker), so the
//! count is at least 1 and at most the iterations run; past the tracker's bound it reads "at
//! least N". Nothing here runs per step.

use coyote_core::report::thousands;
use std::fmt;
use std::time::Duration;

/// What a passing `check` ran (see the module docs).
#[derive(Debug)]
pub(crate) struct Summary {
    pub(crate) name: String,
    pub(crate) iterations: u64,
    pub(crate) schedules: u64,
    /// The tracker stopped counting: `schedules` is a lower bound.
    pub(crate) capped: bool,
    pub(crate) steps: u64,
    pub(crate) step_bound_hits: u64,
    pub(crate) elapsed: Duration,
    pub(crate) strategy: String,
    pub(crate) seed: u64,
    /// The strategy explored every schedule (`dfs`, `dpor`).
    pub(crate) exhausted: bool,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "coyote: {}: 0 bugs, {} iterations, {}{} distinct schedules, {} steps, ",
            self.name,
            thousands(self.iterations),
            if self.capped { "at least " } else { "" },
            thousands(self.schedules),
            thousands(self.steps),
        )?;
        if self.step_bound_hits > 0 {
            write!(f, "{} at the step bound, ", thousands(self.step_bound_hits))?;
        }
        write!(
            f,
            "{:.2}s ({}, seed {}{})",
            self.elapsed.as_secs_f64(),
            self.strategy,
            self.seed,
            if self.exhausted {
                "; every schedule explored"
            } else {
                ""
            }
        )
    }
}

/// Log lines a `check` failure shows at each end of a longer log.
const SHOWN_LOG_LINES: usize = 100;

/// The step log for a failure message: whole when short; else its first and last
/// [`SHOWN_LOG_LINES`] lines around a line saying how many are left out. (Loops are already
/// folded in the log; this bounds a long log without them. Replaying the trace prints every
/// step.)
pub(crate) fn shown_log(log: &[String]) -> String {
    if log.len() <= 2 * SHOWN_LOG_LINES + 1 {
        return log.join("\n");
    }
    let (head, rest) = log.split_at(SHOWN_LOG_LINES);
    let (skipped, tail) = rest.split_at(rest.len() - SHOWN_LOG_LINES);
    format!(
        "{}\n... {} more lines (replaying the trace prints every step) ...\n{}",
        head.join("\n"),
        skipped.len(),
        tail.join("\n")
    )
}
