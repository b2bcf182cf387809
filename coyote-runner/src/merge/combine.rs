//! The merged report of a run's shards, from their reports alone.
//!
//! What one run with every shard's workers would report, field by field:
//!
//! * iterations, iterations per strategy, steps, step-bound hits, hit rates and schedules
//!   explored are sums; the longest iteration is the longest of any shard; the mean is
//!   recomputed; the duration is the longest shard's (they run side by side); an exhaustive
//!   search is exhausted when every shard exhausted its part;
//! * bugs: with `--explore`, every shard's distinct bugs ordered by where their kept occurrence
//!   falls in the whole run (its position in its worker's sequence, then the worker's index in
//!   the run, as one run orders them) and deduplicated by their key, occurrences summed; without
//!   it, the bugs at the earliest iteration of any shard, by worker (all of them, in that order,
//!   if a shard was interrupted), as one run settles its first bug;
//! * coverage: the shards' counts summed (each shard's report keeps its test's counts);
//! * saturation: the shards' coverage items, each placed where the run would have found it
//!   (a shard's iteration count times the number of shards: the shards advance side by side),
//!   counted once; the schedules likewise, by their hashes (a schedule two shards both ran
//!   counts once, as one run counts it across its workers; shards written before the hashes
//!   were kept add their distinct counts).
//!
//! Invariant: a pure function of the shards' reports (sorted by shard number), so merging the
//! same folders always gives the same report.

use super::ShardDir;
use coyote_core::coverage::Coverage;
use coyote_core::report::{BugSummary, CoverageSummary, Report, TestReport};
use coyote_core::saturation::Growth;
use coyote_core::trace::{BugKey, Failure};

/// Where a merged bug's trace comes from: the shard (its position in the list) and its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) shard: usize,
    pub(crate) trace: String,
}

/// The merged report, where each bug's trace comes from (test by test, bug by bug), and the
/// coverage summed over every test (what `coverage.json` holds).
pub(crate) struct Merged {
    pub(crate) report: Report,
    pub(crate) sources: Vec<Vec<Source>>,
    pub(crate) coverage: Option<Coverage>,
}

/// A bug's key, from its report entry (as [`Failure::dedup_key`] makes it from the trace).
fn key(b: &BugSummary) -> BugKey {
    let mut f = Failure::new(b.kind, b.message.clone());
    f.location = b.location.clone();
    f.dedup_key()
}

/// The merged report of `shards` (every shard of one run, sorted by number).
pub(crate) fn combine(shards: &[ShardDir]) -> Merged {
    let first = &shards[0];
    let run = &first.run;
    let mut report = Report::new(
        first.report.library.clone(),
        first.report.library_sha256.clone(),
        first.report.seed,
        run.count * run.workers_per_shard,
    );
    report.coyote_version = first.report.coyote_version.clone();
    report.merged_shards = Some(run.count);
    report.interrupted = shards.iter().any(|s| s.report.interrupted);
    let mut sources = Vec::new();
    let mut all_coverage: Option<Coverage> = None;
    for test in &run.tests {
        let parts: Vec<(usize, &TestReport)> = shards
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.report
                    .tests
                    .iter()
                    .find(|t| &t.test == test)
                    .map(|t| (i, t))
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        let (t, src, coverage) = combine_test(test, &parts, shards, report.interrupted);
        if let Some(c) = &coverage {
            all_coverage.get_or_insert_with(Coverage::default).merge(c);
        }
        report.tests.push(t);
        sources.push(src);
    }
    Merged {
        report,
        sources,
        coverage: all_coverage,
    }
}

fn combine_test(
    test: &str,
    parts: &[(usize, &TestReport)],
    shards: &[ShardDir],
    interrupted: bool,
) -> (TestReport, Vec<Source>, Option<Coverage>) {
    let count = u64::from(shards[0].run.count);
    let mut t = TestReport {
        test: test.to_string(),
        exhausted: true,
        ..Default::default()
    };
    let mut coverage: Option<Coverage> = None;
    for (_, p) in parts {
        t.iterations += p.iterations;
        for (name, n) in &p.iterations_by_strategy {
            *t.iterations_by_strategy.entry(name.clone()).or_insert(0) += n;
        }
        t.duration_secs = t.duration_secs.max(p.duration_secs);
        t.steps.total += p.steps.total;
        t.steps.max = t.steps.max.max(p.steps.max);
        t.step_bound_hits += p.step_bound_hits;
        if let Some(n) = p.schedules_explored {
            *t.schedules_explored.get_or_insert(0) += n;
        }
        t.exhausted &= p.exhausted;
        for (name, rate) in &p.hit_rate_by_strategy {
            t.hit_rate_by_strategy
                .entry(name.clone())
                .or_default()
                .add(*rate);
        }
        if let Some(c) = p.shard.as_ref().and_then(|s| s.coverage.as_ref()) {
            coverage.get_or_insert_with(Coverage::default).merge(c);
        }
    }
    t.exhausted &= t.schedules_explored.is_some();
    if t.iterations > 0 {
        t.steps.mean = t.steps.total as f64 / t.iterations as f64;
    }
    t.coverage = coverage.as_ref().map(CoverageSummary::of);
    t.saturation = saturation(parts, count, t.iterations);
    let (bugs, sources) = bugs(test, parts, shards[0].run.explore, interrupted);
    t.bugs = bugs;
    (t, sources, coverage)
}

/// The merged saturation (see the module docs), if the shards recorded one.
fn saturation(
    parts: &[(usize, &TestReport)],
    count: u64,
    iterations: u64,
) -> Option<coyote_core::saturation::Saturation> {
    let sats: Vec<_> = parts
        .iter()
        .filter_map(|(_, p)| p.saturation.as_ref())
        .collect();
    let first = sats.first()?;
    let mut items: Vec<(u64, &str)> = parts
        .iter()
        .filter_map(|(_, p)| p.shard.as_ref())
        .flat_map(|s| s.items.iter().map(|(at, k)| (at * count, k.as_str())))
        .collect();
    items.sort_unstable();
    let mut g = Growth::new();
    for (at, key) in items {
        g.add_item(at, key);
    }
    let mut schedules: Vec<(u64, u64)> = parts
        .iter()
        .filter_map(|(_, p)| p.shard.as_ref())
        .flat_map(|s| s.schedules.iter().map(|&(at, h)| (at * count, h)))
        .collect();
    schedules.sort_unstable();
    for (at, hash) in schedules {
        g.add_schedule(at, hash);
    }
    for (_, p) in parts {
        let (Some(s), false) = (
            p.saturation.as_ref(),
            p.shard.as_ref().is_some_and(|s| !s.schedules.is_empty()),
        ) else {
            continue;
        };
        // An older shard's report: only its distinct counts are known.
        let mut before = 0;
        for sample in &s.curve {
            let n = sample.counts.schedules.saturating_sub(before);
            g.add_schedules(sample.iteration * count, n);
            before = before.max(sample.counts.schedules);
        }
    }
    Some(g.finish(
        iterations,
        first.until_saturated,
        sats.iter().any(|s| s.saturated),
    ))
}

/// The merged bugs, numbered as one run numbers them, and where each one's trace is.
fn bugs(
    test: &str,
    parts: &[(usize, &TestReport)],
    explore: bool,
    interrupted: bool,
) -> (Vec<BugSummary>, Vec<Source>) {
    let mut all: Vec<((u64, u32), usize, &BugSummary)> = parts
        .iter()
        .flat_map(|&(shard, p)| {
            p.bugs.iter().map(move |b| {
                let order = (b.order.unwrap_or(b.iteration), b.worker.unwrap_or(0));
                (order, shard, b)
            })
        })
        .collect();
    all.sort_by_key(|(order, shard, _)| (*order, *shard));
    if !explore && !interrupted {
        // One run stops at its first bug: the earliest iteration of any shard.
        if let Some(at) = all.first().map(|(o, _, _)| o.0) {
            all.retain(|(o, _, _)| o.0 == at);
        }
    }
    let mut kept: Vec<(BugKey, BugSummary, Source)> = Vec::new();
    for (_, shard, b) in all {
        let k = key(b);
        if let Some((_, summary, _)) = kept.iter_mut().find(|(x, _, _)| *x == k) {
            summary.occurrences += b.occurrences;
            continue;
        }
        kept.push((
            k,
            b.clone(),
            Source {
                shard,
                trace: b.trace.clone(),
            },
        ));
    }
    kept.into_iter()
        .enumerate()
        .map(|(i, (_, mut summary, source))| {
            // `<test>-<n>.trace`, as one run names it, with the merged number.
            summary.trace = format!("{}-{}.trace", crate::output::sanitize(test), i + 1);
            (summary, source)
        })
        .unzip()
}
