//! `coyote replay DIR`: every `*.trace` under a folder (recursively, in path order) replayed as
//! a regression suite, one verdict line per trace and a summary. Exit 1 if any trace still fails
//! (the recorded failure or another), else 2 if any diverged or could not be replayed, else 0
//! (all fixed).
//!
//! Invariant: a trace whose recorded library changed since it was recorded replays leniently
//! against it (it changed because the bug was fixed; see the parent module); one that cannot be
//! read or replayed counts as diverged and the suite goes on.

use super::{given_library, library_for, replay_trace};
use crate::plan::ReplayPlan;
use crate::style::{paint, Paint};
use crate::{Error, Host};
use coyote_core::exit::ExitCode;
use coyote_core::trace::Trace;
use std::path::{Path, PathBuf};

/// The `*.trace` files under `dir`, recursively, in path order.
pub(crate) fn traces_under(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Error::BadInput(format!("cannot read {}: {e}", d.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "trace") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Replays every trace under `plan.trace` (see the module docs).
pub(super) fn replay_dir(plan: &ReplayPlan, host: Host) -> Result<ExitCode, Error> {
    let traces = traces_under(&plan.trace)?;
    if traces.is_empty() {
        return Err(Error::BadInput(format!(
            "{} holds no .trace files",
            plan.trace.display()
        )));
    }
    let given = given_library(plan)?;
    println!(
        "coyote: replaying {} trace{} under {} as a regression suite",
        traces.len(),
        if traces.len() == 1 { "" } else { "s" },
        plan.trace.display()
    );
    let (mut fails, mut fixed, mut diverged) = (Vec::new(), 0usize, Vec::new());
    for path in &traces {
        println!("--- {}", path.display());
        let code = Trace::read(path)
            .map_err(Error::from)
            .and_then(|trace| {
                let (lib, lenient) = library_for(&trace, given.as_deref(), true)?;
                replay_trace(plan, path, &trace, &lib, lenient, host, true)
            })
            .unwrap_or_else(|e| {
                println!("coyote: error: {e}");
                ExitCode::BadInput
            });
        match code {
            ExitCode::Ok => fixed += 1,
            ExitCode::BugFound => fails.push(path),
            _ => diverged.push(path),
        }
    }
    println!(
        "coyote: {} trace{}: {} still fail{}, {fixed} fixed, {} diverged",
        traces.len(),
        if traces.len() == 1 { "" } else { "s" },
        fails.len(),
        if fails.len() == 1 { "s" } else { "" },
        diverged.len()
    );
    for p in &fails {
        println!("  {} {}", paint("still fails:", Paint::Bad), p.display());
    }
    for p in &diverged {
        println!("  diverged: {}", p.display());
    }
    Ok(if !fails.is_empty() {
        ExitCode::BugFound
    } else if !diverged.is_empty() {
        ExitCode::BadInput
    } else {
        ExitCode::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_traces_in_subfolders_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        for f in ["b/x.trace", "a.trace", "b/notes.md", "c.trace"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let found: Vec<_> = traces_under(dir.path())
            .unwrap()
            .into_iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["a.trace", "b/x.trace", "c.trace"]);
    }
}
