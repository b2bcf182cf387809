#!/usr/bin/env python3
"""Why shuttle's random walk finds `bluetooth_driver` sooner than ours: a model of the steps.

Both tools pick uniformly among the runnable tasks at every scheduling point. They differ in
where the points are: shuttle's threads are stackful, so releasing a mutex is a scheduling point;
coyote's tasks are async, and dropping a guard cannot await, so the release runs with the code
before the task's next point. Each task is modelled as its sequence of steps (a step runs the
operation after a point up to the next point); the bug needs the adder's flag read before the
stopper's flag write, the stopper's lock before the adder's, and the stopper's `stopped` write
before the adder's read of it. Prints each model's chance per iteration and the median iteration
of the first bug it implies (ln 2 / p).

    python3 bench-bugs/release_point_model.py [ITERATIONS]
"""
import math
import random
import sys


def walk(adder, stopper, rng):
    """One random walk over the two tasks' steps; a task waiting for the held lock cannot run."""
    steps, done, holder = [], {"A": 0, "S": 0}, None
    seqs = {"A": adder, "S": stopper}
    while any(done[t] < len(seqs[t]) for t in seqs):
        runnable = [
            t
            for t in seqs
            if done[t] < len(seqs[t])
            and not (seqs[t][done[t]] == "lock" and holder not in (None, t))
        ]
        t = rng.choice(runnable)
        op = seqs[t][done[t]]
        if op == "lock" and "release" in seqs[t]:
            holder = t
        elif op == "release":
            holder = None
        steps.append((t, op))
        done[t] += 1
    return steps


def finds_bug(steps):
    first = {}
    for k, s in enumerate(steps):
        first.setdefault(s, k)
    return (
        first[("A", "read flag")] < first[("S", "write flag")]
        and first[("S", "lock")] < first[("A", "lock")]
        and first[("S", "write stopped")] < first[("A", "read stopped")]
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rng = random.Random(1)
    stopper_tail = ["write event", "read event", "write stopped"]
    models = {
        "coyote (release runs with the lock step)": (
            ["read flag", "lock", "read stopped", "lock"],
            ["start", "write flag", "lock"] + stopper_tail,
        ),
        "shuttle (release is a scheduling point)": (
            ["read flag", "lock", "release", "read stopped"],
            ["start", "write flag", "lock", "release"] + stopper_tail,
        ),
    }
    for name, (adder, stopper) in models.items():
        p = sum(finds_bug(walk(adder, stopper, rng)) for _ in range(n)) / n
        print(f"{name}: p = {p:.3f} per iteration, median ~ {math.log(2) / p:.0f} iterations")


if __name__ == "__main__":
    main()
