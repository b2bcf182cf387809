//! The `--junit` report: one test case per test, failed with its bugs. Made from the run's
//! [`Report`] alone.

use crate::events::{Consumer, RunEvent};
use crate::output::write_atomic;
use crate::Error;
use coyote_core::report::Report;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) struct Junit {
    path: PathBuf,
}

impl Junit {
    pub(crate) fn new(path: &Path) -> Junit {
        Junit {
            path: path.to_path_buf(),
        }
    }
}

impl Consumer for Junit {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        if let RunEvent::RunFinished { report, .. } = event {
            let xml = junit_xml(report)?;
            write_atomic(&self.path, xml.as_bytes()).map_err(|e| {
                Error::BadInput(format!("cannot write {}: {e}", self.path.display()))
            })?;
        }
        Ok(())
    }
}

fn junit_xml(report: &Report) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("coyote");
    for t in &report.tests {
        let status = if t.bugs.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let b = &t.bugs[0];
            st.set_message(format!("{}: {}", b.kind, b.message));
            st.set_type(b.kind.to_string());
            st.set_description(
                t.bugs
                    .iter()
                    .map(|b| format!("{}: {} (trace {})", b.kind, b.message, b.trace))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            st
        };
        let mut case = TestCase::new(t.test.clone(), status);
        case.set_time(Duration::from_secs_f64(t.duration_secs));
        suite.add_test_case(case);
    }
    let mut r = JReport::new("coyote");
    r.add_test_suite(suite);
    r.to_string()
        .map_err(|e| Error::Internal(format!("cannot render the JUnit report: {e}")))
}
