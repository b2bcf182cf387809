//! The consumers of a run's events: what the user sees and what the run leaves on disk.
//!
//! * [`console`]: the lines printed for the user, and the summary or `--json` report at the end;
//! * [`progress`]: the progress bar;
//! * [`files`]: the trace files, `report.json` and `coverage.json`;
//! * [`junit`]: the `--junit` XML report;
//! * [`html`]: the self-contained HTML report (`--html`, `coyote report`).
//!
//! Invariant: [`standard`] orders them so every file is written before a line names it.

mod console;
mod figures;
mod files;
pub(crate) mod html;
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
/// for, the progress bar, the console, and with `--html` the HTML page last (it reads the
/// report files and names itself after the summary).
pub(crate) fn standard(plan: &TestPlan) -> Reporter {
    let bar: SharedBar = Rc::new(RefCell::new(ProgressBar::hidden()));
    let mut r = Reporter::default();
    r.add(files::Traces);
    r.add(files::ReportFiles::new(&plan.out, plan.counts_coverage()));
    if let Some(path) = &plan.junit {
        r.add(junit::Junit::new(path));
    }
    r.add(progress::Progress::new(bar.clone(), plan.json));
    r.add(console::Console::new(bar, plan.json, plan.strategy.clone()));
    if plan.html {
        // After the console: it writes the page and then names it under the summary.
        r.add(html::HtmlReport {
            out: plan.out.clone(),
            quiet: plan.json,
        });
    }
    r
}

/// The consumers `coyote merge` runs with: the report files, JUnit (`OUT/junit.xml`), the
/// console and the HTML page (`OUT/report.html`). The traces are on disk already.
pub(crate) fn merged(
    out: &std::path::Path,
    json: bool,
    strategy: coyote_core::strategy::StrategySpec,
    coverage: bool,
) -> Reporter {
    let bar: SharedBar = Rc::new(RefCell::new(ProgressBar::hidden()));
    let mut r = Reporter::default();
    r.add(files::ReportFiles::new(out, coverage));
    r.add(junit::Junit::new(&out.join("junit.xml")));
    r.add(console::Console::new(bar, json, strategy));
    r.add(html::HtmlReport {
        out: out.to_path_buf(),
        quiet: json,
    });
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Consumer, RunEvent};
    use crate::Error;
    use coyote_core::trace::{BugKind, Failure, Origin, Trace};

    /// Sees each bug after the consumers before it: its file must exist.
    struct Probe(Rc<RefCell<Vec<bool>>>);

    impl Consumer for Probe {
        fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
            if let RunEvent::BugFound { path, .. } = event {
                self.0.borrow_mut().push(path.exists());
            }
            Ok(())
        }
    }

    #[test]
    fn a_trace_file_exists_before_the_consumers_after_the_writer_see_its_bug() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t-1.trace");
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut r = Reporter::default();
        r.add(files::Traces);
        r.add(Probe(seen.clone()));
        let failure = Failure::new(BugKind::Panic, "boom");
        let trace = Trace::new("t", Origin::strategy("random", 1), 0, 10, &[], failure);
        r.emit(RunEvent::BugFound {
            test: "t",
            number: 1,
            trace: &trace,
            path: &path,
            explore: false,
        })
        .unwrap();
        assert_eq!(*seen.borrow(), [true]);
        assert_eq!(Trace::read(&path).unwrap(), trace);
        // A consumer's error stops the stream with that error.
        let mut r = Reporter::default();
        r.add(files::Traces);
        let err = r
            .emit(RunEvent::BugFound {
                test: "t",
                number: 1,
                trace: &trace,
                path: &dir.path().join("missing/t-1.trace"),
                explore: false,
            })
            .unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        assert_eq!(err.exit_code(), coyote_core::exit::ExitCode::Internal);
    }
}
