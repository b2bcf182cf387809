//! The human and CI consumers of a run's results: the progress bar and the lines printed above
//! it, the summary printed at the end, and the JUnit XML report. `report.json` is the source of
//! the last two; none of them changes what is found.

use crate::cli::TestArgs;
use coyote_core::report::Report;
use coyote_core::strategy::StrategySpec;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Duration;

/// Where a test's console lines go: above the progress bar on a terminal, plainly on stdout
/// otherwise; with `--json`, stdout carries the report alone, so they go to stderr.
pub(super) struct Console {
    pub(super) bar: ProgressBar,
    json: bool,
}

impl Console {
    pub(super) fn new(args: &TestArgs, test: &str) -> Console {
        Console {
            bar: progress_bar(args, test),
            json: args.json,
        }
    }

    /// Prints one line (or a few) for the user.
    pub(super) fn say(&self, line: impl AsRef<str>) {
        if self.json || self.bar.is_hidden() {
            say_plainly(self.json, line.as_ref());
        } else {
            self.bar.println(line.as_ref());
        }
    }
}

/// Prints a line with no progress bar to keep above: to stderr under `--json`, whose stdout is
/// the report alone, else to stdout.
pub(super) fn say_plainly(json: bool, line: &str) {
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn progress_bar(args: &TestArgs, test: &str) -> ProgressBar {
    if args.json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(args.iterations);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} iterations ({per_sec}) {msg} {elapsed}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(test.to_string());
    bar.set_message("0 bugs");
    bar
}

pub(super) fn print_summary(report: &Report, out: &Path) {
    for t in &report.tests {
        let rate = t.iterations as f64 / t.duration_secs.max(1e-9);
        let mut line = format!(
            "{}: {} bug{}, {} iteration{} in {:.2}s ({:.0} it/s), {:.1} steps/iteration (max {})",
            t.test,
            t.bugs.len(),
            if t.bugs.len() == 1 { "" } else { "s" },
            t.iterations,
            if t.iterations == 1 { "" } else { "s" },
            t.duration_secs,
            rate,
            t.steps.mean,
            t.steps.max
        );
        if let Some(n) = t.schedules_explored {
            if t.exhausted {
                // An exhaustive run has one strategy, on one worker.
                let spec = t.iterations_by_strategy.keys().next();
                let space = spec
                    .and_then(|k| k.parse::<StrategySpec>().ok())
                    .map_or_else(|| "the whole space".into(), |s| s.exhausted_space());
                line.push_str(&format!("; explored {space}: {n} schedules"));
            } else {
                line.push_str(&format!("; {n} schedules explored, space not exhausted"));
            }
        }
        if t.step_bound_hits > 0 {
            line.push_str(&format!(
                "; {} iterations hit --max-steps",
                t.step_bound_hits
            ));
        }
        println!("{line}");
        if let Some(c) = &t.coverage {
            let mut line = format!(
                "  coverage: {} scheduling point{} ({} visits)",
                c.points,
                if c.points == 1 { "" } else { "s" },
                c.visits
            );
            if c.actor_types > 0 {
                line.push_str(&format!(
                    "; {} actor type{}, {} of {} states entered",
                    c.actor_types,
                    if c.actor_types == 1 { "" } else { "s" },
                    c.states_entered,
                    c.states
                ));
            }
            if !c.never_entered.is_empty() {
                line.push_str(&format!("; never entered: {}", c.never_entered.join(", ")));
            }
            println!("{line}");
        }
    }
    println!("report: {}", out.join("report.json").display());
    if report.tests.iter().any(|t| t.coverage.is_some()) {
        println!("coverage: {}", out.join("coverage.json").display());
    }
}

pub(super) fn junit_xml(report: &Report) -> anyhow::Result<String> {
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
    Ok(r.to_string()?)
}
