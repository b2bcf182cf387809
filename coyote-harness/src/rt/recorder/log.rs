//! The readable step log: records formatted one per line, long loops folded (see [`fold`]).
//!
//! Invariants: nothing here runs on the hot path (it formats what the recorder holds, once per
//! trace or verbose line), and the text is the contract tests and snapshots compare: one line
//! per record, steps numbered from 1, a task named `main` or `task N`.
//!
//! [`fold`]: super::fold

use super::fold::find_folds;
use super::{ChoiceOf, Record, Recorder};
use crate::rt::monitors::Temperature;
use crate::rt::op::OpKind;
use crate::rt::tasks::{fmt_loc, JOINS_SEVERAL};
use coyote_core::trace::Decision;

impl Recorder {
    /// The readable log of the last iteration, long loops folded.
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
        let name = |t: u32| self.task_name(t);
        match *r {
            Record::Step {
                task,
                kind,
                loc,
                joins,
                timer,
                ..
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
                        format!("join {}", name(joins)),
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
                    (ChoiceOf::NetShort, Decision::Int(v)) => {
                        (if v == 0 { "net: whole" } else { "net: short" }).to_string()
                    }
                    (ChoiceOf::NetBytes, Decision::Int(v)) => format!("net: {} bytes", v + 1),
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
                format!("spawn {}", name(child)),
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
            Record::Outcome {
                task,
                kind,
                blocked,
                woke,
                holder,
                more,
                left,
            } => format!(
                "           {:<8} {}",
                name(task),
                outcome_text(kind, blocked, woke, holder, more, left, &name)
            ),
            Record::Release {
                task,
                kind,
                loc,
                permits,
                left,
            } => format!(
                "           {:<8} {}",
                name(task),
                release_text(kind, loc, permits, left)
            ),
            Record::Note { task, start, end } => format!(
                "           {:<8} {}",
                name(task),
                self.note_text(start, end)
            ),
        }
    }

    /// A task as the log names it: `main`, `thread N` or `task N`.
    pub(super) fn task_name(&self, t: u32) -> String {
        if t == 0 {
            "main".to_string()
        } else if self.threads.borrow().contains(&t) {
            format!("thread {t}")
        } else {
            format!("task {t}")
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
}

/// Whether two records read the same in the log, but for the time a timer fires at.
pub(super) fn same_record(notes: &str, a: &Record, b: &Record) -> bool {
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

/// `r` without what the log does not show: a timer's time, who woke a task, and `joins` of a
/// step that is not a join (stale there).
fn as_read(r: Record) -> Record {
    match r {
        Record::Step {
            task,
            kind,
            loc,
            joins,
            timer,
            ..
        } => Record::Step {
            task,
            kind,
            loc,
            joins: if kind == OpKind::Join { joins } else { 0 },
            timer: timer.map(|_| std::time::Duration::ZERO),
            woken_by: 0,
        },
        r => r,
    }
}

pub(super) fn temperature_name(t: Temperature) -> &'static str {
    match t {
        Temperature::Hot => "hot",
        Temperature::Cold => "cold",
        Temperature::Plain => "plain",
    }
}

/// What an operation came to, as the log's outcome sub-line says it (`-> acquired`,
/// `-> blocked on mutex.lock: held by task 2`, `-> woke: acquired (1 left)`); the structured
/// events carry the same text. `name` names a task as the log does.
pub(super) fn outcome_text(
    kind: OpKind,
    blocked: bool,
    woke: bool,
    holder: u32,
    more: u16,
    left: u32,
    name: &dyn Fn(u32) -> String,
) -> String {
    let done = kind.outcome().unwrap_or("done");
    let left = match left {
        super::NO_COUNT => String::new(),
        n => format!(" ({n} left)"),
    };
    let held = match (holder, more) {
        (super::NO_TASK, _) => String::new(),
        (h, 0) => format!(": held by {}", name(h)),
        (h, 1) => format!(": held by {} and 1 other", name(h)),
        (h, n) => format!(": held by {} and {n} others", name(h)),
    };
    match (blocked, woke) {
        (true, _) => format!("-> blocked on {kind}{held}{left}"),
        (false, true) => format!("-> woke: {done}{left}"),
        (false, false) => format!("-> {done}{left}"),
    }
}

/// A release sub-line: `release mutex    taken at LINE`, `release 2 permits taken at LINE (3
/// left)`.
pub(super) fn release_text(
    kind: OpKind,
    loc: &'static std::panic::Location<'static>,
    permits: u32,
    left: u32,
) -> String {
    let what = match kind {
        OpKind::MutexLock => "release mutex".to_string(),
        OpKind::RwLockRead => "release read".to_string(),
        OpKind::RwLockWrite => "release write".to_string(),
        OpKind::SemaphoreAcquire if permits == 1 => "release permit".to_string(),
        OpKind::SemaphoreAcquire => format!("release {permits} permits"),
        other => format!("release {other}"),
    };
    let left = match left {
        super::NO_COUNT => String::new(),
        n => format!(" ({n} left)"),
    };
    format!("{what:<16} taken at {}{left}", fmt_loc(loc))
}
