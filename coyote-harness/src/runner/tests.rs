use super::*;
use coyote_core::strategy::{Dfs, OpId, SchedulingPoint};

/// Two tasks that yield twice each, awaited by main.
fn make() -> (
    Pin<Box<dyn Future<Output = ()>>>,
    &'static Location<'static>,
) {
    let fut = async {
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                crate::task::spawn(async {
                    crate::task::yield_now().await;
                    crate::task::yield_now().await;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    };
    (Box::pin(fut), Location::caller())
}

/// The decisions of every iteration from `from` on of a `dfs` run, by iteration.
fn schedules(from: u64, resume_after: Option<ResumeAfter>) -> (Vec<Vec<String>>, RunResult) {
    let spec = RunSpec {
        test_name: "t".into(),
        seed: 0,
        iterations: 1000,
        bounds: Bounds::default(),
        step_bound_is_bug: false,
        stop_on_first_bug: false,
        progress_every: Duration::from_secs(3600),
        capture_from: Some(from),
        coverage: false,
        resume_after,
        saturation: false,
        until_saturated: None,
    };
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut emit = |e: Event| match e {
        Event::IterationStart { .. } => out.push(Vec::new()),
        Event::Decision { decision } => out.last_mut().unwrap().push(decision),
        _ => {}
    };
    let result = run(&make, &mut Dfs::new(None), &spec, &mut emit, None);
    (out, result)
}

/// A replacement worker resuming after iteration `k` (cut after all of its decisions, where
/// a crash after its last decision would have been) runs exactly the iterations the
/// original would have run after `k`, and counts only those.
#[test]
fn a_resumed_run_goes_on_right_after_the_cut_iteration() {
    let (all, full) = schedules(0, None);
    assert!(full.exhausted);
    assert!(all.len() >= 10, "{all:?}");
    assert_eq!(full.iterations, all.len() as u64);
    for k in [0, 3, all.len() - 2] {
        let (rest, result) = schedules(
            k as u64 + 1,
            Some(ResumeAfter {
                iteration: k as u64,
                decisions: all[k].len() as u32,
            }),
        );
        assert_eq!(rest, all[k + 1..], "resumed after {k}");
        assert_eq!(result.iterations, (all.len() - k - 1) as u64);
        assert!(result.exhausted);
        assert_eq!(result.schedules, full.schedules);
    }
    // Cut earlier than the last decision, the iteration counts as explored up to there:
    // the search goes on with the next schedule that differs before the cut.
    let (rest, _) = schedules(
        1,
        Some(ResumeAfter {
            iteration: 0,
            decisions: 1,
        }),
    );
    let first_differs = all.iter().position(|s| s[0] != all[0][0]).unwrap();
    assert_eq!(rest, all[first_differs..]);
}

/// The saturation signal: every point and schedule is reported once, with the iteration
/// that found it, and `until_saturated` stops the run once nothing new turns up.
#[test]
fn novelty_is_reported_once_and_stops_a_saturated_run() {
    let spec = |saturation, until_saturated| RunSpec {
        test_name: "t".into(),
        seed: 3,
        iterations: 5000,
        bounds: Bounds::default(),
        step_bound_is_bug: false,
        stop_on_first_bug: false,
        progress_every: Duration::ZERO,
        capture_from: None,
        coverage: true,
        resume_after: None,
        saturation,
        until_saturated,
    };
    let run_with = |spec: &RunSpec| {
        let (mut items, mut schedules) = (Vec::new(), Vec::new());
        let mut emit = |e: Event| {
            if let Event::Novelty {
                iterations,
                items: i,
                schedules: s,
            } = e
            {
                assert!(i.iter().all(|&(at, _)| at <= iterations));
                items.extend(i);
                schedules.extend(s.into_iter().map(|h| (iterations, h)));
            }
        };
        let mut strategy = coyote_core::strategy::RandomWalk::new(3);
        let r = run(&make, &mut strategy, spec, &mut emit, None);
        (r, items, schedules)
    };
    let (full, items, schedules) = run_with(&spec(true, None));
    assert_eq!(full.iterations, 5000);
    let keys: HashSet<&str> = items.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys.len(), items.len(), "each item once: {items:?}");
    assert!(keys.iter().all(|k| k.starts_with("p:")), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.contains("runner/tests.rs")),
        "{keys:?}"
    );
    let hashes: HashSet<u64> = schedules.iter().map(|&(_, h)| h).collect();
    assert_eq!(hashes.len(), schedules.len(), "each schedule once");
    // Two tasks of three steps each under main: a few dozen interleavings, all found.
    assert!((2..=500).contains(&hashes.len()), "{}", hashes.len());
    let last = items.iter().map(|&(at, _)| at).max().unwrap();
    assert!(last < 100, "every point is reached early: {last}");
    let (stopped, _, _) = run_with(&spec(true, Some(200)));
    assert!(
        stopped.iterations >= 200 && stopped.iterations <= last + 200,
        "{} iterations",
        stopped.iterations
    );
    let (_, none, no_schedules) = run_with(&spec(false, None));
    assert!(none.is_empty() && no_schedules.is_empty());
}

/// The structured step log says who woke whom: a task blocked on a mutex is woken by the
/// task that released it, in one of that task's steps, and the events match the text log
/// line for line.
#[test]
fn step_events_name_the_task_that_released_a_lock() {
    use coyote_core::trace::StepEvent;
    let mut handed_over = 0;
    for seed in 0..40 {
        let ex = Executor::new();
        ex.set_config(crate::rt::executor::ExecConfig {
            max_steps: 1000,
            ..Default::default()
        });
        let fut = async {
            let m = std::sync::Arc::new(crate::sync::Mutex::new(0));
            let m2 = m.clone();
            let t = crate::task::spawn(async move {
                let mut g = m2.lock().await;
                crate::task::yield_now().await;
                *g += 1;
            });
            crate::task::yield_now().await;
            *m.lock().await += 1;
            t.await.unwrap();
        };
        let mut strategy = coyote_core::strategy::RandomWalk::new(seed);
        strategy.begin_iteration();
        let (outcome, _) = ex.run_iteration(Box::pin(fut), Location::caller(), &mut strategy);
        assert!(matches!(outcome, IterationOutcome::Completed));
        let (events, log) = (ex.events(), ex.log());
        assert_eq!(events.len(), log.len(), "{log:#?}");
        let task_of_step: std::collections::HashMap<u32, u32> = events
            .iter()
            .filter_map(|e| match e {
                StepEvent::Step { step, task, .. } => Some((*step, *task)),
                _ => None,
            })
            .collect();
        for e in &events {
            if let StepEvent::Step {
                step,
                task,
                op,
                woken_by: Some(w),
                woken_at: Some(at),
                ..
            } = e
            {
                assert_ne!(w, task, "a task's own wake is not a hand-off");
                assert!(at < step, "woken before it runs: {e:?}");
                assert_eq!(task_of_step[at], *w, "woken in a step of the waker: {e:?}");
                if op == "mutex.lock" {
                    handed_over += 1;
                    // Main waited for the lock task 1 held across its yield.
                    assert_eq!((*task, *w), (0, 1), "{log:#?}");
                }
            }
        }
    }
    assert!(handed_over > 0, "some seed blocks main on the lock");
}

/// A lost update: two tasks read under the lock, yield, then write what they read plus one.
fn lost_update() -> (
    Pin<Box<dyn Future<Output = ()>>>,
    &'static Location<'static>,
) {
    let fut = async {
        let m = std::sync::Arc::new(crate::sync::Mutex::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                crate::task::spawn(async move {
                    let v = *m.lock().await;
                    crate::task::yield_now().await;
                    *m.lock().await = v + 1;
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*m.lock().await, 2, "lost update");
    };
    (Box::pin(fut), Location::caller())
}

/// Exploring keeps no step log; a bug's trace still has the full log (its iteration re-run
/// with the log on), the same log a replay of the trace prints, and the coverage counts the
/// iteration once.
#[test]
fn an_explored_bugs_trace_has_the_log_its_replay_prints() {
    let spec = RunSpec {
        test_name: "t".into(),
        seed: 3,
        iterations: 200,
        bounds: Bounds::default(),
        step_bound_is_bug: false,
        stop_on_first_bug: true,
        progress_every: Duration::from_secs(3600),
        capture_from: None,
        coverage: true,
        resume_after: None,
        saturation: false,
        until_saturated: None,
    };
    let mut traces = Vec::new();
    let mut emit = |e: Event| {
        if let Event::Bug { trace } = e {
            traces.push(*trace);
        }
    };
    let mut strategy = coyote_core::strategy::RandomWalk::new(3);
    let result = run(&lost_update, &mut strategy, &spec, &mut emit, None);
    let trace = traces.pop().expect("the lost update is found");
    assert!(trace.log.len() > 5, "{:#?}", trace.log);
    assert!(
        trace.log.iter().any(|l| l.contains("mutex.lock")),
        "{:#?}",
        trace.log
    );
    assert_eq!(trace.events.len(), trace.log.len());
    let replayed = replay(&lost_update, &trace, false, false, false, &[], true);
    assert!(replayed.reproduced, "{replayed:?}");
    assert_eq!(replayed.log, trace.log);
    let coverage = result.coverage.expect("coverage on");
    let steps: u64 = coverage.points.values().sum();
    assert_eq!(steps, result.total_steps, "the re-run is not counted");
}

/// Records the memory state shown with every step, and whether each iteration changed an
/// atomic; walks round robin. With `memory` false it does not ask for the hash.
struct MemoryWatch {
    memory: bool,
    seen: Vec<u64>,
    wrote: Vec<bool>,
}

impl Strategy for MemoryWatch {
    fn name(&self) -> String {
        "memory-watch".into()
    }
    fn begin_iteration(&mut self) -> bool {
        true
    }
    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        Some(point.enabled[0])
    }
    fn end_iteration(&mut self, end: &IterationEnd) {
        self.wrote.push(end.wrote_atomics);
    }
    fn needs_steps(&self) -> bool {
        true
    }
    fn needs_memory(&self) -> bool {
        self.memory
    }
    fn on_step(&mut self, step: &coyote_core::strategy::Step) {
        self.seen.push(step.memory);
    }
}

#[test]
fn every_write_that_changes_an_atomic_changes_the_memory_state_and_only_those() {
    use crate::std::sync::atomic::{AtomicPtr, AtomicU32, Ordering::SeqCst};
    let make = || -> (Pin<Box<dyn Future<Output = ()>>>, &'static Location<'static>) {
        let body = async {
            let a = AtomicU32::new(0);
            let mut node = 7u8;
            let p = AtomicPtr::new(std::ptr::null_mut());
            a.load(SeqCst); // a point, no write (the first run restarts on coroutines here)
            a.store(5, SeqCst); // 0 -> 5
            a.store(5, SeqCst); // the value held: no change
            assert!(a.compare_exchange(7, 9, SeqCst, SeqCst).is_err()); // fails: no change
            a.fetch_add(1, SeqCst); // 5 -> 6
            p.store(&mut node, SeqCst); // null -> a pointer
            p.store(std::ptr::null_mut(), SeqCst); // back to null
            a.swap(0, SeqCst); // 6 -> 0: every atomic holds its first value again
            a.load(SeqCst); // shows the state after the swap
        };
        (Box::pin(body), Location::caller())
    };
    let spec = RunSpec {
        test_name: "t".into(),
        seed: 0,
        iterations: 1,
        bounds: Bounds::default(),
        step_bound_is_bug: false,
        stop_on_first_bug: true,
        progress_every: Duration::from_secs(3600),
        capture_from: None,
        coverage: false,
        resume_after: None,
        saturation: false,
        until_saturated: None,
    };
    let mut watch = MemoryWatch {
        memory: true,
        seen: Vec::new(),
        wrote: Vec::new(),
    };
    let result = run(&make, &mut watch, &spec, &mut |_| {}, None);
    assert_eq!(result.iterations, 1);
    assert_eq!(watch.wrote, [true]);
    // The states the steps began in, each run of equal ones once.
    let mut states = watch.seen.clone();
    states.dedup();
    assert_eq!(states.len(), 6, "{:x?}", watch.seen);
    let [zero, five, six, six_ptr, six_again, back] = states[..] else {
        unreachable!()
    };
    assert_eq!(zero, 0);
    assert!(five != 0 && six != five && six_ptr != six);
    assert_eq!(
        six_again, six,
        "the pointer back to null: the state before it"
    );
    assert_eq!(
        back, 0,
        "every atomic holds its first value: the first state again"
    );

    // A strategy that does not read the hash sees 0 throughout, and still learns of the writes.
    let mut watch = MemoryWatch {
        memory: false,
        seen: Vec::new(),
        wrote: Vec::new(),
    };
    run(&make, &mut watch, &spec, &mut |_| {}, None);
    assert!(watch.seen.iter().all(|&m| m == 0), "{:x?}", watch.seen);
    assert_eq!(watch.wrote, [true]);
}
