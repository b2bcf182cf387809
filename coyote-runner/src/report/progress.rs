//! The progress bar: one per test, hidden under `--json` (and by indicatif when stdout is not a
//! terminal): iterations done, the rate (`16,099/s`), the time left, and the bugs found so far.
//!
//! Invariant: it shows the iterations of work shares only; its bug count is the number of
//! distinct bugs announced (with `--explore`, as each arrives) or settled, whichever is more, so
//! it never reads `0 bugs` under a bug's line.

use super::SharedBar;
use crate::events::{Consumer, RunEvent};
use crate::Error;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

pub(crate) struct Progress {
    bar: SharedBar,
    json: bool,
    /// Distinct bugs of the current test announced, and settled.
    announced: usize,
    settled: usize,
}

impl Progress {
    pub(crate) fn new(bar: SharedBar, json: bool) -> Progress {
        Progress {
            bar,
            json,
            announced: 0,
            settled: 0,
        }
    }

    fn show_bugs(&self) {
        let n = self.announced.max(self.settled);
        self.bar
            .borrow()
            .set_message(format!("{n} bug{}", if n == 1 { "" } else { "s" }));
    }
}

fn progress_bar(test: &str, iterations: u64) -> ProgressBar {
    let bar = ProgressBar::new(iterations);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} iterations ({rate}, {eta} left) {msg} {elapsed}",
        )
        .expect("valid template")
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&super::figures::per_second(state.per_sec()));
            },
        )
        .progress_chars("=> "),
    );
    bar.set_prefix(test.to_string());
    bar.set_message("0 bugs");
    bar
}

impl Consumer for Progress {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        let bar = || self.bar.borrow();
        match *event {
            RunEvent::TestStarted { test, iterations } => {
                (self.announced, self.settled) = (0, 0);
                if !self.json {
                    *self.bar.borrow_mut() = progress_bar(test, iterations);
                }
            }
            RunEvent::Progress { iterations } => bar().set_position(iterations),
            RunEvent::BugAnnounced { .. } => {
                self.announced += 1;
                self.show_bugs();
            }
            RunEvent::BugFound { number, .. } => {
                self.settled = number;
                self.show_bugs();
            }
            RunEvent::TestFinished { .. } => bar().finish_and_clear(),
            _ => {}
        }
        Ok(())
    }
}
