//! The self-contained HTML report (`coyote report OUT_DIR`, `coyote test --html`): one file,
//! no network (CSS, script and pictures inline, pictures as SVG), built from what a run leaves
//! in its output directory: `report.json`, `coverage.json` and the bugs' traces.
//!
//! * [`page`]: the page, the run summary and each test's section;
//! * [`sequence`]: a bug's failing execution as a sequence diagram;
//! * [`machines`]: state machines coloured by coverage;
//! * [`chart`]: the saturation chart;
//! * [`svg`]: escaping and the few SVG helpers they share.
//!
//! Invariants: every text from a run (test names, messages, source paths, event names) is
//! escaped before it goes into the page, so nothing a test prints can inject markup; the page
//! loads nothing (no `src=` or `href=` to another file or host); rendering is a pure function
//! of its [`Input`], so the same output directory always gives the same page.

mod chart;
mod log_read;
mod machines;
mod page;
mod sequence;
mod svg;

use crate::events::{Consumer, RunEvent};
use crate::output::write_atomic;
use crate::Error;
use coyote_core::coverage::{Coverage, CoverageFile};
use coyote_core::report::Report;
use coyote_core::trace::Trace;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the page is made of.
pub(crate) struct Input {
    pub(crate) report: Report,
    /// `coverage.json`, when the run counted coverage.
    pub(crate) coverage: Option<Coverage>,
    /// The bugs' traces, by their file name in the report (those that could be read).
    pub(crate) traces: BTreeMap<String, Trace>,
}

impl Input {
    /// Reads `report.json`, `coverage.json` (if any) and the traces the report names from
    /// `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Input, Error> {
        let path = dir.join("report.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::BadInput(format!(
                "cannot read {}: {e} (coyote report takes the output directory of a coyote test run)",
                path.display()
            ))
        })?;
        let report = Report::from_json(&text)
            .map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))?;
        let cov_path = dir.join("coverage.json");
        let coverage = match std::fs::read_to_string(&cov_path) {
            Ok(text) => Some(
                coyote_core::versioned::from_json::<CoverageFile>(&text)
                    .map_err(|e| Error::BadInput(format!("{}: {e}", cov_path.display())))?
                    .coverage,
            ),
            Err(_) => None,
        };
        let mut traces = BTreeMap::new();
        for bug in report.tests.iter().flat_map(|t| &t.bugs) {
            // A missing or unreadable trace leaves its bug without a diagram, not the page.
            if let Ok(t) = Trace::read(&dir.join(&bug.trace)) {
                traces.insert(bug.trace.clone(), t);
            }
        }
        Ok(Input {
            report,
            coverage,
            traces,
        })
    }
}

/// The page of `input`.
pub(crate) fn render(input: &Input) -> String {
    page::page(input)
}

/// Writes the HTML report of the run in `dir` to `out`.
pub fn write_html_report(dir: &Path, out: &Path) -> Result<(), Error> {
    let input = Input::read(dir)?;
    let html = render(&input);
    write_atomic(out, html.as_bytes()).map_err(Error::io(format!("cannot write {}", out.display())))
}

/// `coyote test --html`: writes `report.html` beside `report.json` when the run finishes (it
/// comes after the report files' consumer, so they are on disk), then names it unless `quiet`
/// (`--json`: stdout is the report).
pub(crate) struct HtmlReport {
    pub(crate) out: PathBuf,
    pub(crate) quiet: bool,
}

impl Consumer for HtmlReport {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        if let RunEvent::RunFinished { .. } = event {
            let page = self.out.join("report.html");
            write_html_report(&self.out, &page)?;
            if !self.quiet {
                println!("html: {}", page.display());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
