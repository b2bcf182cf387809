//! The `--junit` report: one test case per test, in a suite named after the library, failed
//! with its bugs. CI test viewers (GitLab, GitHub annotations, Jenkins) read it as they read
//! cargo-nextest's: `classname` is the library's crate, `file` and `line` locate the failure,
//! the failure's text lists every bug with its trace and replay command, and `system-out` holds
//! each bug's step log.
//!
//! Invariant: made from the run's [`Report`] and the bugs' traces as they settled, nothing else
//! (no timestamps: the same run writes the same XML).

use crate::events::{Consumer, RunEvent};
use crate::output::write_atomic;
use crate::Error;
use coyote_core::report::Report;
use coyote_core::trace::Trace;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) struct Junit {
    path: PathBuf,
    /// Each settled bug: its test, trace file and trace.
    bugs: Vec<(String, PathBuf, Trace)>,
}

impl Junit {
    pub(crate) fn new(path: &Path) -> Junit {
        Junit {
            path: path.to_path_buf(),
            bugs: Vec::new(),
        }
    }
}

impl Consumer for Junit {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        match event {
            RunEvent::BugFound {
                test, trace, path, ..
            } => self
                .bugs
                .push((test.to_string(), path.to_path_buf(), (*trace).clone())),
            RunEvent::RunFinished { report, .. } => {
                let xml = junit_xml(report, &self.bugs)?;
                write_atomic(&self.path, xml.as_bytes()).map_err(|e| {
                    Error::BadInput(format!("cannot write {}: {e}", self.path.display()))
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The crate a library file holds: `target/debug/libshared_entry.so` is `shared_entry`.
fn crate_name(library: &str) -> String {
    let stem = Path::new(library)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "coyote".into());
    stem.strip_prefix("lib").unwrap_or(&stem).to_string()
}

/// `file` and `line` of a `file:line:col` location.
fn file_and_line(location: &str) -> Option<(&str, &str)> {
    let mut parts = location.rsplitn(3, ':');
    let (_col, line, file) = (parts.next()?, parts.next()?, parts.next()?);
    line.bytes()
        .all(|b| b.is_ascii_digit())
        .then_some((file, line))
}

fn junit_xml(report: &Report, bugs: &[(String, PathBuf, Trace)]) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let classname = crate_name(&report.library);
    let mut suite = TestSuite::new(classname.clone());
    for t in &report.tests {
        let traces: Vec<_> = bugs.iter().filter(|(test, ..)| *test == t.test).collect();
        let status = if t.bugs.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let b = &t.bugs[0];
            let at = b.location.as_deref().map(|l| format!(" (at {l})"));
            st.set_message(format!(
                "{}: {}{}",
                b.kind,
                b.message,
                at.unwrap_or_default()
            ));
            st.set_type(b.kind.to_string());
            st.set_description(
                traces
                    .iter()
                    .map(|(_, path, trace)| {
                        format!(
                            "{} ({}, iteration {})\n  trace:  {}\n  replay: coyote replay {}",
                            trace.failure,
                            trace.origin,
                            trace.iteration,
                            path.display(),
                            path.display()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            st
        };
        let mut case = TestCase::new(t.test.clone(), status);
        case.set_classname(classname.clone());
        case.set_time(Duration::from_secs_f64(t.duration_secs));
        if let Some((file, line)) = t
            .bugs
            .first()
            .and_then(|b| b.location.as_deref())
            .and_then(file_and_line)
        {
            case.extra.insert("file".into(), file.into());
            case.extra.insert("line".into(), line.into());
        }
        if !traces.is_empty() {
            let out: Vec<String> = traces
                .iter()
                .map(|(_, path, trace)| {
                    format!(
                        "{}\nreplay: coyote replay {}\n{}",
                        trace.failure,
                        path.display(),
                        trace.log.join("\n")
                    )
                })
                .collect();
            case.set_system_out(out.join("\n\n"));
        }
        suite.add_test_case(case);
    }
    let mut r = JReport::new("coyote");
    r.add_test_suite(suite);
    r.to_string()
        .map_err(|e| Error::Internal(format!("cannot render the JUnit report: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_core::report::{BugSummary, TestReport};
    use coyote_core::trace::{BugKind, Failure, Origin};

    fn sample() -> (Report, Vec<(String, PathBuf, Trace)>) {
        let mut report = Report::new("target/debug/libshared_entry.so".into(), "ab".into(), 7, 2);
        let failure = Failure {
            kind: BugKind::Panic,
            message: "Value is '3' instead of 5.".into(),
            task: Some("task 0 (main)".into()),
            location: Some("samples/shared-entry/src/lib.rs:23:5".into()),
        };
        let mut trace = Trace::new(
            "shared_entry",
            Origin::strategy("portfolio/pct:3", 9),
            2,
            100,
            &[],
            failure.clone(),
        );
        trace.log = vec![
            "step    1  main     start            at src/lib.rs:17:1".into(),
            "step    2  task 1   mutex.lock       at src/lib.rs:9:5".into(),
        ];
        report.tests.push(TestReport {
            test: "shared_entry".into(),
            iterations: 3,
            duration_secs: 0.25,
            bugs: vec![BugSummary {
                kind: failure.kind,
                message: failure.message.clone(),
                location: failure.location.clone(),
                trace: "shared_entry-1.trace".into(),
                origin: trace.origin.clone(),
                iteration: 2,
                occurrences: 2,
                worker: None,
                order: None,
            }],
            ..Default::default()
        });
        report.tests.push(TestReport {
            test: "shared_entry_fixed".into(),
            iterations: 10,
            duration_secs: 0.5,
            ..Default::default()
        });
        let path = PathBuf::from("target/coyote/shared_entry-1.trace");
        (report, vec![("shared_entry".into(), path, trace)])
    }

    #[test]
    fn snapshot_of_the_junit_report() {
        let (report, bugs) = sample();
        insta::assert_snapshot!(junit_xml(&report, &bugs).unwrap());
    }

    #[test]
    fn locations_and_crate_names() {
        assert_eq!(
            crate_name("target/debug/libshared_entry.so"),
            "shared_entry"
        );
        assert_eq!(crate_name("x/tests.dll"), "tests");
        assert_eq!(file_and_line("src/lib.rs:23:5"), Some(("src/lib.rs", "23")));
        assert_eq!(file_and_line("C:/x.rs:1:2"), Some(("C:/x.rs", "1")));
        assert_eq!(file_and_line("nowhere"), None);
    }
}
