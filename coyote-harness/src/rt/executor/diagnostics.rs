//! What the executor reports: the deadlock (or uncontrolled-concurrency) failure, task labels,
//! the readable step log, and coverage.
//!
//! Invariant: nothing here runs on the hot path; it formats what the loop recorded, once per
//! failure, trace or coverage request.

use super::fold::find_folds;
use super::{fmt_loc, ChoiceOf, Executor, Pause, Record, Task, JOINS_SEVERAL};
use crate::rt::OpKind;
use crate::spec::Temperature;
use coyote_core::trace::{BugKind, Decision, Failure};

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
                        Some(joined) => format!("waits to join {}", self.label_of(t.joins, joined)),
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
                format!("{} {}", self.label_of(i as u32, t), what)
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

    pub(super) fn label_of(&self, id: u32, t: &Task) -> String {
        if id == 0 {
            "main".into()
        } else {
            format!("task {id} (spawned at {})", fmt_loc(t.spawned_at))
        }
    }

    pub(super) fn task_label(&self, id: u32) -> String {
        let tasks = self.tasks.borrow();
        match tasks.get(id as usize) {
            Some(t) => self.label_of(id, t),
            None => format!("task {id}"),
        }
    }

    // ----- results -----

    pub(crate) fn decisions(&self) -> std::cell::Ref<'_, Vec<Decision>> {
        self.decisions.borrow()
    }

    /// The readable log of the last iteration, long loops folded (see `fold.rs`).
    pub(crate) fn log(&self) -> Vec<String> {
        let records = self.records.borrow();
        let notes = self.notes.borrow();
        let folds = find_folds(&records, |a, b| same_record(&notes, a, b));
        drop(notes);
        let mut lines = Vec::with_capacity(records.len().min(4096));
        let mut step = 0;
        let mut next_fold = folds.iter().peekable();
        let mut i = 0;
        while i < records.len() {
            // A fold's first round is printed as it is; its hidden rounds become one line.
            if let Some(fold) = next_fold.next_if(|f| f.hidden().start == i) {
                let hidden = fold.hidden();
                let before = step;
                step += records[hidden.clone()]
                    .iter()
                    .filter(|r| matches!(r, Record::Step { .. }))
                    .count() as u32;
                let steps = if step > before {
                    format!(": steps {} to {step}", before + 1)
                } else {
                    String::new()
                };
                lines.push(format!(
                    "           ... {} more rounds of the {} lines above{steps}, folded",
                    fold.rounds - 2,
                    fold.period
                ));
                i = hidden.end;
                continue;
            }
            let r = &records[i];
            step += u32::from(matches!(r, Record::Step { .. }));
            lines.push(self.format_record(r, step));
            i += 1;
        }
        lines
    }

    pub(super) fn format_record(&self, r: &Record, step: u32) -> String {
        let name = |t: u32| {
            if t == 0 {
                "main".to_string()
            } else {
                format!("task {t}")
            }
        };
        match *r {
            Record::Step {
                task,
                kind,
                loc,
                joins,
                timer,
            } => {
                let fired = match timer {
                    Some(now) => format!(" (timer fires, now {}ms)", now.as_millis()),
                    None => String::new(),
                };
                // `.await` on a handle cannot record its caller: name the joined task and where
                // it was spawned instead.
                if kind == OpKind::Join && joins == JOINS_SEVERAL {
                    return format!(
                        "step {step:>4}  {:<8} {:<16} at {}",
                        name(task),
                        "join (several)",
                        fmt_loc(loc)
                    );
                }
                if kind == OpKind::Join && joins != 0 {
                    return format!(
                        "step {step:>4}  {:<8} {:<16} spawned at {}",
                        name(task),
                        format!("join task {joins}"),
                        fmt_loc(loc)
                    );
                }
                format!(
                    "step {step:>4}  {:<8} {kind:<16} at {}{fired}",
                    name(task),
                    fmt_loc(loc)
                )
            }
            Record::Choice {
                task,
                decision,
                loc,
                of,
            } => {
                let what = match (of, decision) {
                    (ChoiceOf::SelectStart, Decision::Int(v)) => {
                        format!("select: branch {} first", v + 1)
                    }
                    (_, Decision::Bool(b)) => format!("random -> {b}"),
                    (_, Decision::Int(v)) => format!("random -> {v}"),
                    (_, Decision::Schedule(t)) => format!("random -> task {t}"),
                };
                format!(
                    "           {:<8} {:<16} at {}",
                    name(task),
                    what,
                    fmt_loc(loc)
                )
            }
            Record::Spawn { parent, child, loc } => format!(
                "           {:<8} {:<16} at {}",
                name(parent),
                format!("spawn task {child}"),
                fmt_loc(loc)
            ),
            Record::Monitor {
                task,
                name: monitor,
                temperature,
                loc,
            } => format!(
                "           {:<8} {:<16} at {}",
                name(task),
                format!("monitor {monitor}: {}", temperature_name(temperature)),
                fmt_loc(loc)
            ),
            Record::Note { task, start, end } => format!(
                "           {:<8} {}",
                name(task),
                self.note_text(start, end)
            ),
        }
    }

    /// The text of a [`Record::Note`] (empty if a panic while it was written lost it).
    fn note_text(&self, start: u32, end: u32) -> String {
        self.notes
            .borrow()
            .get(start as usize..end as usize)
            .unwrap_or("")
            .to_string()
    }

    /// Coverage accumulated since the last call: scheduling points by `file:line:col`, and
    /// actor activity.
    pub(crate) fn take_coverage(&self) -> coyote_core::coverage::Coverage {
        let points = self
            .coverage
            .borrow_mut()
            .drain()
            .map(|(_, (loc, n))| (fmt_loc(loc), n))
            .fold(
                Default::default(),
                |mut m: std::collections::BTreeMap<_, _>, (k, n)| {
                    *m.entry(k).or_insert(0) += n;
                    m
                },
            );
        coyote_core::coverage::Coverage {
            points,
            actors: self.take_activity(),
        }
    }
}

/// Whether two records read the same in the log, but for the time a timer fires at.
fn same_record(notes: &str, a: &Record, b: &Record) -> bool {
    match (as_read(*a), as_read(*b)) {
        (
            Record::Note { task, start, end },
            Record::Note {
                task: task2,
                start: start2,
                end: end2,
            },
        ) => {
            task == task2
                && notes.get(start as usize..end as usize)
                    == notes.get(start2 as usize..end2 as usize)
        }
        (a, b) => a == b,
    }
}

/// `r` without what the log does not show: a timer's time, and `joins` of a step that is not
/// a join (stale there).
fn as_read(r: Record) -> Record {
    match r {
        Record::Step {
            task,
            kind,
            loc,
            joins,
            timer,
        } => Record::Step {
            task,
            kind,
            loc,
            joins: if kind == OpKind::Join { joins } else { 0 },
            timer: timer.map(|_| std::time::Duration::ZERO),
        },
        r => r,
    }
}

fn temperature_name(t: Temperature) -> &'static str {
    match t {
        Temperature::Hot => "hot",
        Temperature::Cold => "cold",
        Temperature::Plain => "plain",
    }
}
