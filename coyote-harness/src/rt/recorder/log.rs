//! The readable step log: records formatted one per line, long loops folded (see [`fold`]).
//!
//! Invariants: nothing here runs on the hot path (it formats what the recorder holds, once per
//! trace or verbose line), and the text is the contract tests and snapshots compare: one line
//! per record, steps numbered from 1, a task named `main` or `task N`.
//!
//! [`fold`]: super::fold

use super::compare::{kind_of, read_key, same_record};
use super::layout::{layout, Line};
use super::{ChoiceOf, Record, Recorder};
use crate::rt::monitors::Temperature;
use crate::rt::op::OpKind;
use crate::rt::tasks::{fmt_loc, JOINS_SEVERAL};
use coyote_core::trace::Decision;
use std::rc::Rc;

impl Recorder {
    /// The readable log of the last iteration, long loops folded and quiet stretches cut.
    pub(crate) fn log(&self) -> Vec<String> {
        let lines = self.laid_out();
        let records = self.records.borrow();
        let mut out = Vec::with_capacity(lines.len());
        let mut step = 0;
        for line in lines.iter().cloned() {
            match line {
                Line::Record(i) => {
                    let r = &records[i];
                    step += u32::from(matches!(r, Record::Step { .. }));
                    out.push(self.format_record(r, step));
                }
                Line::Fold(fold) => {
                    let (steps, first, last) =
                        super::compare::steps_in(&records[fold.hidden()], &mut step);
                    let steps = if steps > 0 {
                        format!(": steps {first} to {last}")
                    } else {
                        String::new()
                    };
                    out.push(format!(
                        "           ... {} more rounds of the {} lines above{steps}, folded",
                        fold.rounds - 2,
                        fold.period
                    ));
                }
                Line::Quiet(hidden) => {
                    let n = hidden.len();
                    let (steps, first, last) =
                        super::compare::steps_in(&records[hidden], &mut step);
                    let steps = if steps > 0 {
                        format!(" (steps {first} to {last})")
                    } else {
                        String::new()
                    };
                    out.push(format!(
                        "           ... {n} more lines{steps}, each of a kind shown above (the same task, operation, place and text but for its numbers), cut"
                    ));
                }
            }
        }
        out
    }

    /// The layout of this iteration's records (computed once for the log and the events).
    pub(super) fn laid_out(&self) -> Rc<Vec<Line>> {
        let records = self.records.borrow();
        if let Some((n, lines)) = &*self.laid.borrow() {
            if *n == records.len() {
                return lines.clone();
            }
        }
        let notes = self.notes.borrow();
        // Keys first, so that comparing two records is mostly comparing two numbers.
        let mut keyed: Vec<(u64, Option<u64>, usize)> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (read_key(&notes, r), kind_of(&notes, r), i))
            .collect();
        // The last monitor change (a liveness bug's "hot since") is always shown.
        if let Some(last) = records
            .iter()
            .rposition(|r| matches!(r, Record::Monitor { .. }))
        {
            keyed[last].1 = None;
        }
        let lines = Rc::new(layout(
            &keyed,
            |a, b| a.0 == b.0 && same_record(&notes, &records[a.2], &records[b.2]),
            |k| k.1,
        ));
        *self.laid.borrow_mut() = Some((records.len(), lines.clone()));
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
