//! What the executor reports when no task can run: the deadlock (or uncontrolled-concurrency)
//! failure, naming what every unfinished task waits on, and the step log's closing lines saying
//! where each task is parked.
//!
//! Invariant: nothing here runs on the hot path; it formats what the loop recorded, once per
//! failure.

use super::Executor;
use crate::rt::op::OpKind;
use crate::rt::tasks::{fmt_loc, Pause, Task};
use coyote_core::trace::{BugKind, Failure};

/// OS threads in this process (Linux: /proc/self/status), 0 if unknown.
pub(super) fn os_threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:").map(|n| n.trim().parse().ok()))
                .flatten()
        })
        .unwrap_or(0)
}

impl Executor {
    pub(super) fn deadlock(&self, tasks: &[Task]) -> Failure {
        let blocked: Vec<String> = tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.state.is_done())
            .map(|(i, t)| {
                let what = if t.pause == Pause::Blocked && t.kind == OpKind::Join {
                    match tasks.get(t.joins as usize) {
                        Some(joined) => {
                            format!("waits to join {}", self.tasks.label_of(t.joins, joined))
                        }
                        None => format!("waits to join several tasks at {}", fmt_loc(t.loc)),
                    }
                } else if t.pause == Pause::Blocked {
                    format!("waits on {} at {}", t.kind, fmt_loc(t.loc))
                } else {
                    format!(
                        "waits on a future coyote does not control, after {} at {}",
                        t.kind,
                        fmt_loc(t.loc)
                    )
                };
                // The log's closing lines: where each task is parked.
                self.recorder
                    .note(i as u32, self.step.get(), format_args!("parked: {what}"));
                format!("{} {}", self.tasks.label_of(i as u32, t), what)
            })
            .collect();
        let main = &tasks[0];
        let extra_threads = os_threads().saturating_sub(self.threads_at_start);
        let foreign = crate::rt::waker::FOREIGN_WAKES.load(std::sync::atomic::Ordering::Relaxed)
            != self.foreign_wakes_at_start.get();
        let (kind, prefix) = if extra_threads > 0 || foreign {
            (
                BugKind::Uncontrolled,
                format!(
                    "no controlled task can run, and {}; coyote cannot schedule what it does not control (use coyote_harness::task::spawn, not std::thread::spawn); {} blocked",
                    if extra_threads > 0 {
                        format!("the test started {extra_threads} OS thread(s) of its own")
                    } else {
                        "a task was woken from a thread coyote does not control".to_string()
                    },
                    blocked.len()
                ),
            )
        } else {
            (
                BugKind::Deadlock,
                format!("no task can run, {} blocked", blocked.len()),
            )
        };
        Failure {
            kind,
            message: format!("{prefix}: {}", blocked.join("; ")),
            task: Some("main".into()),
            location: Some(fmt_loc(main.loc)),
        }
    }

    /// How reports name task `id`.
    pub(super) fn task_label(&self, id: u32) -> String {
        self.tasks.label(id)
    }
}
