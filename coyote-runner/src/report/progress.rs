//! The progress bar: one per test, hidden under `--json` (and by indicatif when stdout is not a
//! terminal). Invariant: it shows the iterations of work shares only, and the number of bugs
//! settled so far.

use super::SharedBar;
use crate::events::{Consumer, RunEvent};
use crate::Error;
use indicatif::{ProgressBar, ProgressStyle};

pub(crate) struct Progress {
    bar: SharedBar,
    json: bool,
}

impl Progress {
    pub(crate) fn new(bar: SharedBar, json: bool) -> Progress {
        Progress { bar, json }
    }
}

fn progress_bar(test: &str, iterations: u64) -> ProgressBar {
    let bar = ProgressBar::new(iterations);
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

impl Consumer for Progress {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        let bar = || self.bar.borrow();
        match *event {
            RunEvent::TestStarted { test, iterations } if !self.json => {
                *self.bar.borrow_mut() = progress_bar(test, iterations);
            }
            RunEvent::Progress { iterations } => bar().set_position(iterations),
            RunEvent::BugFound { number, .. } => bar().set_message(format!(
                "{number} bug{}",
                if number == 1 { "" } else { "s" }
            )),
            RunEvent::TestFinished { .. } => bar().finish_and_clear(),
            _ => {}
        }
        Ok(())
    }
}
