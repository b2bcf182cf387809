//! The end of a test's run: settle its bugs (numbered, written, printed by the consumers),
//! add up its statistics from the shares, and check determinism if asked.
//!
//! Invariants: capture re-runs never count in the statistics; a share that did not finish
//! counts the iterations its heartbeat says it started, the last one only if it crashed or hung
//! there (it ran, into a bug), not if the run stopped it; a resumed share's re-run of its
//! predecessor's iterations is not new work.

use super::arrivals::Arrivals;
use super::bugs::Bugs;
use super::determinism::check_determinism;
use super::pool::Pool;
use super::session::Session;
use super::share::{End, Life};
use crate::events::RunEvent;
use crate::library::Library;
use crate::Error;
use coyote_core::coverage::Coverage;
use coyote_core::report::{CoverageSummary, TestReport};
use std::time::Instant;

/// The parts of a test's run that [`finish`] settles.
pub(super) struct Ended<'p> {
    pub(super) test: &'p str,
    pub(super) started: Instant,
    pub(super) pool: Pool,
    pub(super) arrivals: Arrivals,
    pub(super) saturation: super::saturation::Saturating,
}

/// Settles the bugs and adds up the statistics: the test's report.
pub(super) fn finish(
    s: &mut Session<'_>,
    lib: &Library,
    run: Ended<'_>,
) -> Result<TestReport, Error> {
    let test = run.test;
    let mut bugs = Bugs::default();
    for b in run.arrivals.settle(s.cut_short()) {
        bugs.record(s, test, b.trace, b.occurrences, b.order)?;
    }
    s.reporter.emit(RunEvent::TestFinished { test })?;
    let mut report = TestReport {
        test: test.to_string(),
        duration_secs: run.started.elapsed().as_secs_f64(),
        ..Default::default()
    };
    let exhaustive = s.plan.strategy.is_exhaustive();
    let mut coverage: Option<Coverage> = s.plan.counts_coverage().then(Coverage::default);
    let mut hits: std::collections::BTreeMap<&str, u64> = Default::default();
    for sh in run.pool.shares().filter(|sh| !sh.is_capture()) {
        let mut iterations = sh.iterations;
        if sh.result().is_none() {
            let started = sh.heartbeat();
            let failed = matches!(sh.life, Life::Ended(End::Failed));
            let ran = if failed {
                started
            } else {
                started.saturating_sub(1)
            };
            let rerun = sh.spec.request.resume_after.map_or(0, |r| r.iteration + 1);
            iterations = iterations.max(ran.saturating_sub(rerun));
        }
        report.iterations += iterations;
        report.steps.total += sh.steps;
        // From progress too: a share the run stopped (Ctrl-C, --timeout) sends no result.
        report.steps.max = report.steps.max.max(sh.max_steps);
        *report
            .iterations_by_strategy
            .entry(sh.spec.request.strategy.clone())
            .or_insert(0) += iterations;
        if let Some(r) = sh.result() {
            if r.split != sh.spec.request.split {
                return Err(Error::BadInput(format!(
                    "{} cannot split its {} search over shards: rebuild it against this coyote's harness",
                    s.lib_path.display(),
                    s.plan.strategy
                )));
            }
            report.steps.max = report.steps.max.max(r.max_steps_seen);
            report.step_bound_hits += r.step_bound_hits;
            if exhaustive {
                report.exhausted = r.exhausted;
                report.schedules_explored = r.schedules;
            }
            if let (Some(total), Some(c)) = (coverage.as_mut(), &r.coverage) {
                total.merge(c);
            }
            for (name, rate) in &r.by_strategy {
                report
                    .hit_rate_by_strategy
                    .entry(name.clone())
                    .or_default()
                    .add(*rate);
            }
            for (key, n) in &r.bug_hits {
                *hits.entry(key.as_str()).or_insert(0) += n;
            }
        }
    }
    for b in &mut bugs.records {
        // Every iteration that hit it, where the workers counted; at least the arrivals.
        let counted = hits.get(b.key_text().as_str()).copied().unwrap_or(0);
        b.summary.occurrences = b.summary.occurrences.max(counted);
    }
    if report.iterations > 0 {
        report.steps.mean = report.steps.total as f64 / report.iterations as f64;
    }
    report.coverage = coverage.as_ref().map(CoverageSummary::of);
    report.saturation = Some(run.saturation.finish(report.iterations));
    if s.plan.shard.is_some() {
        report.shard = Some(coyote_core::shard::ShardTest {
            coverage: coverage.clone(),
            items: run.saturation.items(),
            schedules: run.saturation.schedules(),
        });
    }
    if s.plan.check_determinism {
        for b in &mut bugs.records {
            b.summary.message = check_determinism(s, lib, &b.trace, &b.summary)?;
        }
    }
    if let Some(coverage) = &coverage {
        s.reporter.emit(RunEvent::Coverage { coverage })?;
    }
    report.bugs = bugs.records.into_iter().map(|b| b.summary).collect();
    Ok(report)
}
