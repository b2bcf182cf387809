//! `coyote merge DIR... -o OUT`: the folders of the shards of one run (`coyote test --shard
//! K/N`) put back together as the folder one run with all their workers would have written.
//!
//! * this module: read the shards, check that they are every shard of one run, write the
//!   merged folder and name its exit code;
//! * [`combine`]: the merged report, from the shards' reports alone (a pure function).
//!
//! Invariants: nothing is written to `OUT` before every shard has been read and checked (a
//! wrong set of shards leaves no half-merged folder); the shards' folders are only read; the
//! merged traces are byte copies of the shards' (renamed to the merged numbering); the exit
//! code is the one a single run would end with (1 if any bug, 130 if a shard was interrupted
//! and none was found, else 0).

mod combine;

use crate::events::RunEvent;
use crate::output;
use crate::Error;
use coyote_core::exit::ExitCode;
use coyote_core::report::Report;
use coyote_core::shard::ShardRun;
use coyote_core::strategy::StrategySpec;
use coyote_core::trace::Trace;
use std::path::{Path, PathBuf};

pub(crate) use combine::combine;

/// `coyote merge`.
#[derive(Clone, Debug)]
pub struct MergePlan {
    /// The shards' output folders.
    pub dirs: Vec<PathBuf>,
    /// The merged folder.
    pub out: PathBuf,
    /// Print the merged `report.json` to stdout instead of the summary.
    pub json: bool,
}

/// One shard's folder, read.
pub(crate) struct ShardDir {
    pub(crate) dir: PathBuf,
    pub(crate) report: Report,
    pub(crate) run: ShardRun,
}

/// Reads `dir/report.json`, which must be a shard's.
fn read_shard(dir: &Path) -> Result<ShardDir, Error> {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::BadInput(format!(
            "cannot read {}: {e} (coyote merge takes the output folders of `coyote test --shard K/N`)",
            path.display()
        ))
    })?;
    let report = Report::from_json(&text)
        .map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
    let run = report.shard.clone().ok_or_else(|| {
        Error::BadInput(format!(
            "{} is not a shard's folder: its report.json names no shard (write shards with `coyote test --shard K/N`)",
            dir.display()
        ))
    })?;
    Ok(ShardDir {
        dir: dir.to_path_buf(),
        report,
        run,
    })
}

/// What must agree between two shards of one run: a name and each one's value.
fn differences(a: &ShardDir, b: &ShardDir) -> Option<(&'static str, String, String)> {
    let (ra, rb) = (&a.run, &b.run);
    let checks: [(&'static str, String, String); 9] = [
        ("seed", a.report.seed.to_string(), b.report.seed.to_string()),
        (
            "library",
            a.report.library_sha256.clone(),
            b.report.library_sha256.clone(),
        ),
        ("shard count", ra.count.to_string(), rb.count.to_string()),
        (
            "workers per shard (-j)",
            ra.workers_per_shard.to_string(),
            rb.workers_per_shard.to_string(),
        ),
        (
            "iterations",
            ra.iterations.to_string(),
            rb.iterations.to_string(),
        ),
        ("strategy", ra.strategy.clone(), rb.strategy.clone()),
        ("--explore", ra.explore.to_string(), rb.explore.to_string()),
        ("tests", ra.tests.join(","), rb.tests.join(",")),
        (
            "step bounds",
            format!("{}/{}", ra.max_steps, ra.max_fair_steps),
            format!("{}/{}", rb.max_steps, rb.max_fair_steps),
        ),
    ];
    checks.into_iter().find(|(_, x, y)| x != y)
}

/// Reads and checks the shards: every shard of one run, each once; sorted by number.
pub(crate) fn read_shards(dirs: &[PathBuf]) -> Result<Vec<ShardDir>, Error> {
    // Parsing the reports is most of a merge's work: spread it over the cores.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(dirs.len().max(1));
    let chunk = dirs.len().div_ceil(threads).max(1);
    let mut shards = std::thread::scope(|scope| {
        let parts: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|d| read_shard(d)).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("reading a report does not panic"))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let first = shards
        .first()
        .ok_or_else(|| Error::BadInput("coyote merge needs at least one shard folder".into()))?;
    for other in &shards[1..] {
        if let Some((what, x, y)) = differences(first, other) {
            let what = if what == "library" {
                format!("library (SHA-256 {y:.12}…, not {x:.12}…)")
            } else {
                format!("{what} ({y}, not {x})")
            };
            return Err(Error::BadInput(format!(
                "{} is from another run than {}: its {what}",
                other.dir.display(),
                first.dir.display()
            )));
        }
    }
    shards.sort_by_key(|s| s.run.number);
    for pair in shards.windows(2) {
        if pair[0].run.number == pair[1].run.number {
            return Err(Error::BadInput(format!(
                "shard {} of {} is given twice: {} and {}",
                pair[0].run.number,
                pair[0].run.count,
                pair[0].dir.display(),
                pair[1].dir.display()
            )));
        }
    }
    let count = shards[0].run.count;
    let missing: Vec<String> = (1..=count)
        .filter(|n| shards.binary_search_by_key(n, |s| s.run.number).is_err())
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::BadInput(format!(
            "missing shard{} {} of {count}: a merge needs every shard of the run",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }
    Ok(shards)
}

/// `coyote merge`: writes the merged folder; the exit code a single run would end with.
pub fn merge(plan: &MergePlan) -> Result<ExitCode, Error> {
    let shards = read_shards(&plan.dirs)?;
    let out = &plan.out;
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    if let Some(same) = shards
        .iter()
        .find(|s| canonical(out).is_some() && canonical(&s.dir) == canonical(out))
    {
        return Err(Error::BadInput(format!(
            "-o {} is one of the shards' folders: merge into another folder",
            same.dir.display()
        )));
    }
    let merged = combine(&shards);
    std::fs::create_dir_all(out).map_err(|e| {
        Error::BadInput(format!(
            "cannot create the output directory {}: {e}",
            out.display()
        ))
    })?;
    let tests = &shards[0].run.tests;
    output::clear_old_traces(out, tests)
        .map_err(Error::io(format!("cannot clear {}", out.display())))?;
    let strategy: StrategySpec = shards[0]
        .run
        .strategy
        .parse()
        .map_err(|e| Error::BadInput(format!("{}: strategy: {e}", shards[0].dir.display())))?;
    let coverage = merged.coverage.is_some();
    let mut reporter = crate::report::merged(out, plan.json, strategy, coverage);
    for (test, bugs) in merged.report.tests.iter().zip(&merged.sources) {
        for (number, (bug, source)) in test.bugs.iter().zip(bugs).enumerate() {
            let path = out.join(&bug.trace);
            let from = shards[source.shard].dir.join(&source.trace);
            let bytes = std::fs::read(&from)
                .map_err(|e| Error::BadInput(format!("cannot read {}: {e}", from.display())))?;
            let trace = Trace::from_json(&String::from_utf8_lossy(&bytes))
                .map_err(|e| Error::BadInput(format!("{}: {e}", from.display())))?;
            output::write_atomic_unsynced(&path, &bytes)
                .map_err(Error::io(format!("cannot write {}", path.display())))?;
            let min_from = crate::minimize::default_out(&from);
            if min_from.exists() {
                let min = crate::minimize::default_out(&path);
                std::fs::copy(&min_from, &min)
                    .map_err(Error::io(format!("cannot write {}", min.display())))?;
            }
            reporter.emit(RunEvent::BugFound {
                test: &test.test,
                number: number + 1,
                trace: &trace,
                path: &path,
                explore: shards[0].run.explore,
            })?;
        }
    }
    if let Some(coverage) = &merged.coverage {
        reporter.emit(RunEvent::Coverage { coverage })?;
    }
    reporter.emit(RunEvent::RunFinished {
        report: &merged.report,
        out,
    })?;
    let bugs: usize = merged.report.tests.iter().map(|t| t.bugs.len()).sum();
    Ok(if bugs > 0 {
        ExitCode::BugFound
    } else if merged.report.interrupted {
        ExitCode::Interrupted
    } else {
        ExitCode::Ok
    })
}

#[cfg(test)]
mod tests;
