//! When two records read the same in the log, and their kind (the same record but for its
//! numbers): the keys the layout folds loops and cuts quiet stretches by.
//!
//! Invariant: records [`same_record`] calls the same have equal [`read_key`]s, so comparing two
//! records is mostly comparing two numbers.

use super::log::temperature_name;
use super::Record;
use crate::rt::op::OpKind;
use std::hash::{Hash, Hasher};

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

/// How many steps `hidden` holds, and the first and last of their numbers, counting on from
/// `step` (which ends at the last).
pub(super) fn steps_in(hidden: &[Record], step: &mut u32) -> (u32, u32, u32) {
    let n = hidden
        .iter()
        .filter(|r| matches!(r, Record::Step { .. }))
        .count() as u32;
    let first = *step + 1;
    *step += n;
    (n, first, *step)
}

/// A hash of a record as the log reads it (equal for records [`same_record`] calls the same).
pub(super) fn read_key(notes: &str, r: &Record) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match as_read(*r) {
        Record::Note { task, start, end } => {
            (5u8, task).hash(&mut h);
            h.write(
                notes
                    .get(start as usize..end as usize)
                    .unwrap_or("")
                    .as_bytes(),
            );
        }
        r => hash_shape(&r, &mut h),
    }
    h.finish()
}

/// The kind of a record, for cutting quiet stretches ([`layout`]): the record as the log reads
/// it, but for the numbers in a note or a choice and the task a spawn creates (a monitor
/// change: the monitor, its temperature, the task and the place).
pub(super) fn kind_of(notes: &str, r: &Record) -> Option<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match as_read(*r) {
        Record::Note { task, start, end } => {
            (5u8, task).hash(&mut h);
            // Every run of digits reads as one `#`.
            let text = notes
                .get(start as usize..end as usize)
                .unwrap_or("")
                .as_bytes();
            let mut from = 0;
            while from < text.len() {
                let to = text[from..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map_or(text.len(), |p| from + p);
                h.write(&text[from..to]);
                if to < text.len() {
                    h.write_u8(b'#');
                }
                from = text[to..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(text.len(), |p| to + p);
            }
        }
        Record::Choice { task, loc, of, .. } => {
            (1u8, task, std::mem::discriminant(&of)).hash(&mut h);
            hash_loc(loc, &mut h);
        }
        Record::Spawn { parent, loc, .. } => {
            (2u8, parent).hash(&mut h);
            hash_loc(loc, &mut h);
        }
        r => hash_shape(&r, &mut h),
    }
    Some(h.finish())
}

fn hash_loc(loc: &std::panic::Location<'_>, h: &mut impl Hasher) {
    (loc.file(), loc.line(), loc.column()).hash(h)
}

/// Hashes every field of a record (read by [`as_read`]) but a note's text.
fn hash_shape(r: &Record, h: &mut impl Hasher) {
    match *r {
        Record::Step {
            task,
            kind,
            loc,
            joins,
            timer,
            ..
        } => {
            (0u8, task, kind.label(), joins, timer.is_some()).hash(h);
            hash_loc(loc, h);
        }
        Record::Choice {
            task,
            decision,
            loc,
            of,
        } => {
            (1u8, task, decision, std::mem::discriminant(&of)).hash(h);
            hash_loc(loc, h);
        }
        Record::Spawn { parent, child, loc } => {
            (2u8, parent, child).hash(h);
            hash_loc(loc, h);
        }
        Record::Monitor {
            task,
            name,
            temperature,
            loc,
        } => {
            (3u8, task, name, temperature_name(temperature)).hash(h);
            hash_loc(loc, h);
        }
        Record::Outcome {
            task,
            kind,
            blocked,
            woke,
            holder,
            more,
            left,
        } => (4u8, task, kind.label(), blocked, woke, holder, more, left).hash(h),
        Record::Release {
            task,
            kind,
            loc,
            permits,
            left,
        } => {
            (6u8, task, kind.label(), permits, left).hash(h);
            hash_loc(loc, h);
        }
        Record::Note { task, .. } => (5u8, task).hash(h),
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
