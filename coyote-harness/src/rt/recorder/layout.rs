//! What the readable log shows of the records: every record, but for long loops folded into
//! their first and last rounds ([`fold`](super::fold)) and long *quiet* stretches cut to their
//! first and last lines.
//!
//! A quiet stretch is what the fair suffix of a liveness bug looks like: tens of thousands of
//! steps of a timer-driven system going round (a heartbeat, a periodic sync), interleaved
//! differently every round and carrying changing numbers (round numbers, log lengths), so no two
//! rounds are equal and [`find_folds`] cannot fold them, yet nothing in them is new. A line is
//! *new* when no line before it in the log has its *kind*: the same record but for the numbers
//! in a note or a choice (so `Node(2) handles Ping(8, ..)` is of the kind of `Node(2) handles
//! Ping(1, ..)`). The last change of a monitor's temperature in the log is always shown.
//!
//! Invariants:
//!
//! * only the readable log is cut; decisions are never touched, and `coyote replay --verbose`
//!   prints every step;
//! * a cut hides only lines of kinds shown above it: every kind of line the program logged, in
//!   every task, appears in the log at least once (a monitor's change to a temperature, at a
//!   place, too), and the last monitor change is never hidden;
//! * a quiet stretch of at least [`QUIET_MIN`] lines is cut right after the new line before it,
//!   and keeps its last [`QUIET_KEEP`] lines ([`QUIET_KEEP_LAST`] at the end of the log), so the
//!   lines before a new one, and before the failure, read as the program ran.

use super::fold::{find_folds, Fold};
use std::collections::HashSet;
use std::ops::Range;

/// The fewest lines a quiet stretch has before it is cut.
pub(super) const QUIET_MIN: usize = 48;

/// The lines a cut stretch keeps before the new line that ends it.
pub(super) const QUIET_KEEP: usize = 6;

/// The lines the last stretch keeps before the end of the log (the rounds before the failure).
pub(super) const QUIET_KEEP_LAST: usize = 12;

/// One line of the laid-out log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// Record `i`, as it is.
    Record(usize),
    /// The hidden rounds of a loop (see [`Fold::hidden`]).
    Fold(Fold),
    /// The records of a quiet stretch that are cut.
    Quiet(Range<usize>),
}

/// A run of records laid out together: one record, or a fold's hidden and last rounds (the
/// fold line, then the last round).
struct Unit {
    span: Range<usize>,
    lines: Vec<Line>,
    new: bool,
}

/// Lays out `items`: `same` says whether two read the same (for loops), `kind` names an item's
/// kind (`None`: always new).
pub(super) fn layout<T>(
    items: &[T],
    same: impl Fn(&T, &T) -> bool,
    kind: impl Fn(&T) -> Option<u64>,
) -> Vec<Line> {
    let folds = find_folds(items, same);
    let mut seen = HashSet::new();
    let mut is_new = |r: Range<usize>| {
        let mut new = false;
        for it in &items[r] {
            new |= kind(it).map_or(true, |k| seen.insert(k));
        }
        new
    };
    let mut units = Vec::new();
    let mut next_fold = folds.iter().peekable();
    let mut i = 0;
    while i < items.len() {
        if let Some(f) = next_fold.next_if(|f| f.start == i) {
            // The first round, line by line; then the fold line and the last round, whose lines
            // repeat the first's (so a quiet stretch may take them in).
            for r in f.start..f.hidden().start {
                let new = is_new(r..r + 1);
                units.push(Unit {
                    span: r..r + 1,
                    lines: vec![Line::Record(r)],
                    new,
                });
            }
            let span = f.hidden().start..f.span().end;
            let mut lines = vec![Line::Fold(*f)];
            lines.extend((f.hidden().end..span.end).map(Line::Record));
            let new = is_new(span.clone());
            i = span.end;
            units.push(Unit { span, lines, new });
        } else {
            let new = is_new(i..i + 1);
            units.push(Unit {
                span: i..i + 1,
                lines: vec![Line::Record(i)],
                new,
            });
            i += 1;
        }
    }
    lay_units(units)
}

/// The second pass of [`layout`]: quiet stretches of units cut.
fn lay_units(mut units: Vec<Unit>) -> Vec<Line> {
    let mut out = Vec::with_capacity(units.len().min(4096));
    let mut u = 0;
    while u < units.len() {
        if units[u].new {
            out.append(&mut units[u].lines);
            u += 1;
            continue;
        }
        let end = units[u..]
            .iter()
            .position(|x| x.new)
            .map_or(units.len(), |p| u + p);
        let keep = if end == units.len() {
            QUIET_KEEP_LAST
        } else {
            QUIET_KEEP
        };
        cut_quiet(&mut units[u..end], keep, &mut out);
        u = end;
    }
    out
}

/// Lays out a quiet stretch: whole if it is short, else a cut and its last `keep` lines.
fn cut_quiet(run: &mut [Unit], keep: usize, out: &mut Vec<Line>) {
    let lines: usize = run.iter().map(|x| x.lines.len()).sum();
    let head = 0;
    let (mut tail, mut tail_lines) = (run.len(), 0);
    while tail > head && tail_lines < keep {
        tail -= 1;
        tail_lines += run[tail].lines.len();
    }
    let cut = lines >= QUIET_MIN && tail > head;
    let hidden = run[head.min(run.len() - 1)].span.start..run[tail.max(1) - 1].span.end;
    for (k, unit) in run.iter_mut().enumerate() {
        if !cut || k < head || k >= tail {
            out.append(&mut unit.lines);
        } else if k == head {
            out.push(Line::Quiet(hidden.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items are (kind, value): the same kind whatever the value; loops compare both.
    fn lay(items: &[(u8, u32)]) -> Vec<Line> {
        layout(items, |a, b| a == b, |x| Some(u64::from(x.0)))
    }

    #[test]
    fn a_quiet_stretch_is_cut_and_keeps_its_last_lines() {
        // Kinds 0..4 once (new), then 1,000 lines of those kinds with changing values.
        let mut items: Vec<(u8, u32)> = (0..4).map(|k| (k, 0)).collect();
        items.extend((0..1000u32).map(|i| ((i * 7 % 4) as u8, i)));
        let out = lay(&items);
        assert_eq!(out.len(), 4 + 1 + QUIET_KEEP_LAST);
        assert_eq!(out[4], Line::Quiet(4..1004 - QUIET_KEEP_LAST));
        assert_eq!(out.last(), Some(&Line::Record(1003)));
    }

    #[test]
    fn a_new_kind_is_shown_and_splits_the_stretch() {
        let mut items: Vec<(u8, u32)> = vec![(0, 0), (1, 0)];
        items.extend((0..200u32).map(|i| ((i % 2) as u8, i)));
        items.push((9, 0));
        items.extend((0..200u32).map(|i| ((i % 2) as u8, i + 7)));
        let out = lay(&items);
        assert!(out.contains(&Line::Record(202)), "the new kind is shown");
        let cuts = out.iter().filter(|l| matches!(l, Line::Quiet(_))).count();
        assert_eq!(cuts, 2);
    }

    #[test]
    fn short_quiet_stretches_and_always_new_lines_stay() {
        let mut items: Vec<(u8, u32)> = vec![(0, 0)];
        items.extend((1..QUIET_MIN as u32 - 1).map(|i| (0, i)));
        assert_eq!(lay(&items).len(), items.len());
        // With every line always new nothing is cut.
        let items: Vec<(u8, u32)> = (0..500).map(|i| (0, i)).collect();
        let out = layout(&items, |a, b| a == b, |_| None);
        assert_eq!(out.len(), 500);
    }

    #[test]
    fn an_exact_loop_still_folds_inside_a_quiet_stretch() {
        let mut items: Vec<(u8, u32)> = vec![(0, 0), (1, 0), (2, 0)];
        items.extend((0..300).map(|i| ((i % 3) as u8, 0)));
        let out = lay(&items);
        assert!(out.iter().any(|l| matches!(l, Line::Fold(_))), "{out:?}");
        assert!(out.len() < 20, "{out:?}");
    }
}
