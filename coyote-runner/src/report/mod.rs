//! The consumers of a run's events: what the user sees and what the run leaves on disk.
//!
//! * [`console`]: the lines printed for the user, and the summary or `--json` report at the end;
//! * [`progress`]: the progress bar;
//! * [`files`]: the trace files, `report.json` and `coverage.json`;
//! * [`junit`]: the `--junit` XML report.
//!
//! Invariant: [`standard`] orders them so every file is written before a line names it.

mod console;
mod files;
mod junit;
mod progress;

use crate::events::Reporter;
use crate::plan::TestPlan;
use indicatif::ProgressBar;
use std::cell::RefCell;
use std::rc::Rc;

/// The progress bar of the current test, drawn by [`progress`], printed above by [`console`].
type SharedBar = Rc<RefCell<ProgressBar>>;

/// The consumers `coyote test` runs with: the trace writer, the report files, JUnit if asked
/// for, the progress bar, and the console last.
pub(crate) fn standard(plan: &TestPlan) -> Reporter {
    let bar: SharedBar = Rc::new(RefCell::new(ProgressBar::hidden()));
    let mut r = Reporter::default();
    r.add(files::Traces);
    r.add(files::ReportFiles::new(&plan.out, plan.coverage));
    if let Some(path) = &plan.junit {
        r.add(junit::Junit::new(path));
    }
    r.add(progress::Progress::new(bar.clone(), plan.json));
    r.add(console::Console::new(bar, plan.json, plan.strategy.clone()));
    r
}
