//! What a run leaves on disk: one trace file per settled bug, `report.json`, and with
//! `--coverage`, `coverage.json` (summed over the run's tests). Every write is atomic.

use crate::events::{Consumer, RunEvent};
use crate::output::write_atomic;
use crate::Error;
use coyote_core::coverage::Coverage;
use std::path::{Path, PathBuf};

/// Writes each settled bug's trace where the run says.
pub(crate) struct Traces;

impl Consumer for Traces {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        if let RunEvent::BugFound { trace, path, .. } = event {
            write_atomic(path, trace.to_json().as_bytes())
                .map_err(Error::io(format!("cannot write {}", path.display())))?;
        }
        Ok(())
    }
}

/// Writes `report.json` and `coverage.json` when the run finishes.
pub(crate) struct ReportFiles {
    out: PathBuf,
    coverage: Option<Coverage>,
}

impl ReportFiles {
    pub(crate) fn new(out: &Path, coverage: bool) -> ReportFiles {
        ReportFiles {
            out: out.to_path_buf(),
            coverage: coverage.then(Coverage::default),
        }
    }
}

impl Consumer for ReportFiles {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        match event {
            RunEvent::Coverage { coverage } => {
                if let Some(total) = &mut self.coverage {
                    total.merge(coverage);
                }
            }
            RunEvent::RunFinished { report, .. } => {
                let path = self.out.join("report.json");
                write_atomic(&path, report.to_json().as_bytes())
                    .map_err(Error::io(format!("cannot write {}", path.display())))?;
                if let Some(coverage) = self.coverage.take() {
                    let path = self.out.join("coverage.json");
                    let json = coyote_core::versioned::to_json(&coverage.into_file());
                    write_atomic(&path, json.as_bytes())
                        .map_err(Error::io(format!("cannot write {}", path.display())))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
