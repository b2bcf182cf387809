//! The search of `coyote minimize`: delta debugging over a failing execution's decisions, for
//! fewer preemptions first, then fewer tasks involved (tasks that take a step before the
//! failure), then fewer steps and decisions.
//!
//! Candidates replay leniently (see `coyote_core::strategy::Replay::lenient`): their scheduling
//! decisions are a guide followed where they fit, the rest runs without preemptions, and the
//! declared choices (random booleans and integers) are a separate stream the moves keep whole.
//! Three moves on the scheduling decisions, each evaluated a batch at a time (the batch runs in
//! parallel, see `workers`):
//!
//! * truncation: keep a prefix and let the execution complete without preemptions; the prefix
//!   lengths of a batch are spread over the range still in question, which narrows like a
//!   many-way bisection;
//! * preemption removal (ddmin): replace a chunk of the preemptions by "the running task goes
//!   on", or drop their decisions, with chunks halving in size until single preemptions, as
//!   Zeller's ddmin does for input bytes;
//! * one or two preemptions from scratch: while more than one is left, every schedule that
//!   runs without preemptions but for one task switch at one decision (the many bugs that need
//!   a single preemption are found this way whatever the original interleaving was); while
//!   more than two are left, every schedule with two switches, the first at one of the
//!   preemptions left;
//! * fewer tasks: for each task but `main` that ran, the schedule without its decisions and
//!   with it run last (`Replay::run_last`: only when no other task can run), so a failure that
//!   does not need it happens before it runs. Spawns are the program's, so a task is never
//!   removed, only left out of the failing schedule (it may still be created).
//!
//! Invariants: a candidate is accepted only if its execution reproduced the same bug (the
//! evaluator's judgement), its [`Size::key`] is smaller than the best so far (so the search
//! ends) and it is not much longer (at most half as many steps and decisions again, plus 10), and the result is never larger than the start; the result is the execution's own
//! decisions (what the lenient replay chose), which a strict replay follows exactly. Among a
//! batch's accepted candidates the smallest wins, the first on a tie, so the search does not
//! depend on which worker finishes first.

use crate::Error;
use coyote_core::strategy::Preemption;
use coyote_core::trace::Decision;

/// A schedule to try: decisions to follow, and tasks to run last where they leave off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) decisions: Vec<Decision>,
    pub(crate) last: Vec<u32>,
}

/// A candidate's execution that reproduced the bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// The decisions the execution made.
    pub(crate) decisions: Vec<Decision>,
    /// Its preemptions.
    pub(crate) preemptions: Vec<Preemption>,
    /// Steps it took.
    pub(crate) steps: u32,
    /// Tasks it created.
    pub(crate) tasks: u32,
    /// Tasks that took a step, ascending.
    pub(crate) ran: Vec<u32>,
    /// The tasks its candidate ran last (kept for the candidates made from it).
    pub(crate) last: Vec<u32>,
}

/// The sizes `coyote minimize` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) steps: u32,
    pub(crate) decisions: usize,
    pub(crate) preemptions: usize,
    /// Tasks that took a step.
    pub(crate) tasks: usize,
    /// Tasks created.
    pub(crate) created: u32,
}

impl Size {
    pub(crate) fn of(run: &Run) -> Size {
        Size {
            steps: run.steps,
            decisions: run.decisions.len(),
            preemptions: run.preemptions.len(),
            tasks: run.ran.len(),
            created: run.tasks,
        }
    }

    /// What the search makes smaller: preemptions, then tasks that ran, then steps, then
    /// decisions.
    fn key(&self) -> (usize, usize, u32, usize) {
        (self.preemptions, self.tasks, self.steps, self.decisions)
    }
}

/// Evaluates a batch of candidates: for each, its run if it reproduced the bug.
pub(crate) type Eval<'a> = dyn FnMut(&[Candidate]) -> Result<Vec<Option<Run>>, Error> + 'a;

/// A candidate of `decisions` that runs last what `best` ran last.
fn cand(best: &Run, decisions: Vec<Decision>) -> Candidate {
    Candidate {
        decisions,
        last: best.last.clone(),
    }
}

/// For each task but `main` that `best` ran (and does not run last already): `best` without
/// its decisions, with it run last (see the module docs).
fn fewer_tasks(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    best.ran
        .iter()
        .copied()
        .filter(|&t| t != 0 && !best.last.contains(&t))
        .map(|t| {
            let d = s
                .iter()
                .map(|&d| if d == Decision::Schedule(t) { ANY } else { d })
                .collect();
            let mut last = best.last.clone();
            last.push(t);
            Candidate {
                decisions: with_choices(best, d),
                last,
            }
        })
        .collect()
}

/// The best of a batch that beats `best`, if any (the first on a tie).
fn pick(best: &Run, runs: Vec<Option<Run>>) -> Option<(usize, Run)> {
    let mut winner: Option<(usize, Run)> = None;
    let best_key = Size::of(best).key();
    for (i, run) in runs.into_iter().enumerate() {
        let Some(run) = run else { continue };
        let k = Size::of(&run).key();
        let better = match &winner {
            None => true,
            Some((_, w)) => k < Size::of(w).key(),
        };
        // Fewer preemptions are not worth a much longer execution (a liveness trace completed
        // without preemptions can run to the step bound).
        let bounded = |n: usize, of: usize| n <= of + of / 2 + 10;
        let close = bounded(run.steps as usize, best.steps as usize)
            && bounded(run.decisions.len(), best.decisions.len());
        if k < best_key && better && close {
            winner = Some((i, run));
        }
    }
    winner
}

/// Every schedule with two task switches whose first is one of `best`'s preemptions, as
/// candidates (at most [`SCRATCH_LIMIT`]).
fn two_preemptions(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    let tasks = tasks_of(&s);
    let mut out = Vec::new();
    for p in &best.preemptions {
        for at in p.index + 1..s.len() {
            for &t in &tasks {
                let mut d = vec![ANY; p.index];
                d.push(s[p.index]);
                d.resize(at, ANY);
                d.push(Decision::Schedule(t));
                out.push(cand(best, with_choices(best, d)));
                if out.len() == SCRATCH_LIMIT {
                    return out;
                }
            }
        }
    }
    out
}

/// Shortens `best` by truncation (see the module docs), `width` candidates a batch.
fn truncate(mut best: Run, eval: &mut Eval<'_>, width: usize) -> Result<Run, Error> {
    let (mut lo, mut hi) = (0usize, schedules(&best).len());
    // `hi`: a prefix length known to reproduce; `lo`: one below which nothing was found.
    let mut tried_zero = false;
    while hi > lo + 1 || (!tried_zero && hi > 0 && lo == 0) {
        let mut points: Vec<usize> = if !tried_zero {
            tried_zero = true;
            vec![0]
        } else {
            Vec::new()
        };
        let k = width.min(hi - lo - 1).max(1);
        for j in 1..=k {
            let p = lo + (hi - lo) * j / (k + 1);
            if p > lo && p < hi && !points.contains(&p) {
                points.push(p);
            }
        }
        if points.is_empty() {
            break;
        }
        let s = schedules(&best);
        let cands: Vec<Candidate> = points
            .iter()
            .map(|&p| cand(&best, with_choices(&best, s[..p].to_vec())))
            .collect();
        match pick(&best, eval(&cands)?) {
            Some((i, run)) => {
                let p = points[i];
                lo = points
                    .iter()
                    .copied()
                    .filter(|&q| q < p)
                    .max()
                    .unwrap_or(lo);
                hi = p;
                best = run;
            }
            None => lo = points.iter().copied().max().unwrap_or(lo).max(lo),
        }
    }
    Ok(best)
}

/// A scheduling decision no task matches: a lenient replay makes the non-preemptive choice.
const ANY: Decision = Decision::Schedule(u32::MAX);

/// A run's scheduling decisions.
fn schedules(run: &Run) -> Vec<Decision> {
    run.decisions
        .iter()
        .copied()
        .filter(|d| matches!(d, Decision::Schedule(_)))
        .collect()
}

/// `schedules` with `run`'s declared choices: a candidate (a lenient replay takes the two
/// streams apart again).
fn with_choices(run: &Run, mut schedules: Vec<Decision>) -> Vec<Decision> {
    schedules.extend(
        run.decisions
            .iter()
            .copied()
            .filter(|d| !matches!(d, Decision::Schedule(_))),
    );
    schedules
}

/// `best`'s decisions with the preemptions of `chunk` undone: the running task goes on there.
fn without(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let mut d = schedules(best);
    for p in chunk {
        if let Some(slot) = d.get_mut(p.index) {
            *slot = Decision::Schedule(p.running);
        }
    }
    with_choices(best, d)
}

/// `best`'s decisions without the preempting decisions of `chunk`.
fn dropped(best: &Run, chunk: &[Preemption]) -> Vec<Decision> {
    let d = schedules(best)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !chunk.iter().any(|p| p.index == *i))
        .map(|(_, d)| d)
        .collect();
    with_choices(best, d)
}

/// The most candidates the one-preemption move tries.
const SCRATCH_LIMIT: usize = 4096;

/// The tasks `run` schedules, ascending.
fn tasks_of(s: &[Decision]) -> Vec<u32> {
    let mut tasks: Vec<u32> = s
        .iter()
        .filter_map(|d| match d {
            Decision::Schedule(t) => Some(*t),
            _ => None,
        })
        .collect();
    tasks.sort_unstable();
    tasks.dedup();
    tasks
}

/// Every schedule with a single task switch (see the module docs), as candidates.
fn one_preemption(best: &Run) -> Vec<Candidate> {
    let s = schedules(best);
    let tasks = tasks_of(&s);
    let mut out = Vec::new();
    for at in 0..s.len() {
        for &t in &tasks {
            let mut d = vec![ANY; at];
            d.push(Decision::Schedule(t));
            out.push(cand(best, with_choices(best, d)));
            if out.len() == SCRATCH_LIMIT {
                return out;
            }
        }
    }
    out
}

/// Removes preemptions from `best` by ddmin (see the module docs).
fn remove_preemptions(mut best: Run, eval: &mut Eval<'_>) -> Result<Run, Error> {
    let mut n = 1usize;
    while !best.preemptions.is_empty() {
        let ps = best.preemptions.clone();
        let n_now = n.min(ps.len());
        let size = ps.len().div_ceil(n_now);
        // Each chunk twice: the running task goes on in place of each preemption, or the
        // preempting decision is dropped (the later decisions move up one, which realigns them
        // when the running task's extra step used up the choice).
        let cands: Vec<Candidate> = ps
            .chunks(size)
            .flat_map(|c| [without(&best, c), dropped(&best, c)])
            .map(|d| cand(&best, d))
            .collect();
        match pick(&best, eval(&cands)?) {
            Some((_, run)) => {
                best = run;
                n = n.saturating_sub(1).max(1);
            }
            None if n_now >= ps.len() => break,
            None => n = (n * 2).min(ps.len()),
        }
    }
    Ok(best)
}

/// Minimises `start` (a run that reproduced the bug): truncation, preemption removal and
/// fewer tasks until none helps.
pub(crate) fn minimize(start: Run, eval: &mut Eval<'_>, width: usize) -> Result<Run, Error> {
    let mut best = start;
    loop {
        let before = Size::of(&best).key();
        best = truncate(best, eval, width)?;
        best = remove_preemptions(best, eval)?;
        if best.preemptions.len() > 1 {
            if let Some((_, run)) = pick(&best, eval(&one_preemption(&best))?) {
                best = run;
            }
        }
        if best.preemptions.len() > 2 {
            if let Some((_, run)) = pick(&best, eval(&two_preemptions(&best))?) {
                best = run;
            }
        }
        if best.ran.len() > 1 {
            if let Some((_, run)) = pick(&best, eval(&fewer_tasks(&best))?) {
                best = run;
            }
        }
        if Size::of(&best).key() >= before {
            return Ok(best);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy program: 10 decisions between tasks 0, 1 and 2; past the given ones, the running
    /// task goes on. It fails when task 2 runs among the first five decisions.
    fn run(given: &[Decision]) -> Option<Run> {
        let mut decisions: Vec<Decision> = Vec::new();
        for i in 0..10 {
            let last = decisions.last().copied().unwrap_or(Decision::Schedule(0));
            decisions.push(match given.get(i) {
                Some(&d) if d != ANY => d,
                _ => last,
            });
        }
        let ops: Vec<u32> = decisions
            .iter()
            .map(|d| match d {
                Decision::Schedule(t) => *t,
                _ => 0,
            })
            .collect();
        let preemptions: Vec<Preemption> = (1..ops.len())
            .filter(|&i| ops[i] != ops[i - 1])
            .map(|i| Preemption {
                index: i,
                running: ops[i - 1],
            })
            .collect();
        let mut ran = ops.clone();
        ran.sort_unstable();
        ran.dedup();
        ops[..5].contains(&2).then_some(Run {
            decisions,
            preemptions,
            steps: 10,
            tasks: 3,
            ran,
            last: Vec::new(),
        })
    }

    /// A toy without preemptions: tasks 0 to 3 of two steps each, each running to its end;
    /// when one ends, the guide picks the next (if it names an unfinished task), else the lowest
    /// unfinished one not run last, else the lowest. It fails at task 3's first step.
    fn serial(c: &Candidate) -> Option<Run> {
        let mut left = [2u32; 4];
        let mut guide = c.decisions.iter();
        let (mut decisions, mut ran, mut steps) = (Vec::new(), Vec::new(), 0);
        let mut current: Option<u32> = None;
        loop {
            let t = match current.filter(|&t| left[t as usize] > 0) {
                Some(t) => t,
                None => {
                    let open: Vec<u32> = (0..4).filter(|&t| left[t as usize] > 0).collect();
                    let lowest = open
                        .iter()
                        .copied()
                        .find(|t| !c.last.contains(t))
                        .or(open.first().copied())?;
                    let t = match guide.next() {
                        Some(Decision::Schedule(g)) if open.contains(g) => *g,
                        _ => lowest,
                    };
                    decisions.push(Decision::Schedule(t));
                    t
                }
            };
            steps += 1;
            if !ran.contains(&t) {
                ran.push(t);
            }
            if t == 3 {
                ran.sort_unstable();
                return Some(Run {
                    decisions,
                    preemptions: Vec::new(),
                    steps,
                    tasks: 4,
                    ran,
                    last: c.last.clone(),
                });
            }
            left[t as usize] -= 1;
            current = Some(t);
        }
    }

    #[test]
    fn leaves_out_the_tasks_the_failure_does_not_need() {
        let start = Candidate {
            decisions: [0, 1, 2, 3].into_iter().map(Decision::Schedule).collect(),
            last: Vec::new(),
        };
        let first = serial(&start).unwrap();
        assert_eq!(first.ran, [0, 1, 2, 3]);
        let mut eval = |cands: &[Candidate]| Ok(cands.iter().map(serial).collect());
        let best = minimize(first, &mut eval, 4).unwrap();
        assert_eq!(best.ran, [0, 3], "{best:?}");
        assert!(best.steps < 7, "{best:?}");
        // The result's own decisions reproduce it without being told what to run last.
        let again = serial(&Candidate {
            decisions: best.decisions.clone(),
            last: Vec::new(),
        })
        .unwrap();
        assert_eq!(again.ran, best.ran);
    }

    #[test]
    fn removes_every_preemption_the_bug_does_not_need() {
        let start: Vec<Decision> = [0, 1, 0, 1, 2, 0, 1, 0, 1, 0]
            .into_iter()
            .map(Decision::Schedule)
            .collect();
        let first = run(&start).unwrap();
        assert_eq!(first.preemptions.len(), 9);
        let mut batches = 0;
        let mut eval = |cands: &[Candidate]| {
            batches += 1;
            Ok(cands.iter().map(|c| run(&c.decisions)).collect())
        };
        let best = minimize(first, &mut eval, 4).unwrap();
        assert!(run(&best.decisions).is_some(), "still fails");
        assert!(best.preemptions.len() <= 1, "{:?}", best.decisions);
        assert!(batches > 1);
    }

    #[test]
    fn a_bug_that_needs_its_preemptions_keeps_them() {
        // Fails only with exactly the alternation 0 1 0 1 0 1 ...: nothing can be removed.
        let alternating = |d: &[Decision]| -> Option<Run> {
            let r = run(d)?;
            let ok = r
                .decisions
                .iter()
                .enumerate()
                .all(|(i, x)| *x == Decision::Schedule([0, 2][i % 2]));
            ok.then_some(r)
        };
        let start: Vec<Decision> = (0..10).map(|i| Decision::Schedule([0, 2][i % 2])).collect();
        let first = alternating(&start).unwrap();
        let mut eval =
            |cands: &[Candidate]| Ok(cands.iter().map(|c| alternating(&c.decisions)).collect());
        let best = minimize(first.clone(), &mut eval, 3).unwrap();
        assert_eq!(best, first);
    }
}
