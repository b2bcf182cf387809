//! The search on toy programs whose failures are known.

use super::super::candidates::ANY;
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
