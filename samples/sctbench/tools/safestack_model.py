#!/usr/bin/env python3
"""A step-for-step model of `threads_safestack` (samples/sctbench/src/threads/safestack.rs), to
read a bug trace and to count how often a random walk corrupts the stack.

Each thread is a state machine with one transition per scheduling point of the port (thread
start, every atomic access, every yield), so a trace's sequence of threads drives it exactly:

    safestack_model.py replay T.trace   # the trace's steps with head, count, Next[], Value[]
    safestack_model.py walk N SEED      # N uniform random walks over the three threads: how
                                        # many give two threads one node, how many fail the
                                        # assertion
    safestack_model.py fuzz N SEEDS     # mff's search on the model (memory-state feedback,
                                        # newest seeds first): walks to the failure per seed

(`main` only spawns and joins, so the walk leaves it out.) Used for the "Why ... miss" section
of samples/sctbench/README.md.
"""
import json
import random
import re
import sys

# pc: START, PC (count.load), PH (head.load), PS (Next.swap(-1)), PCAS (head CAS), PR (restore
# Next), PY/OY (yields), PD (count -1), VS/VL (Value store/load), PL (push: head.load), PST
# (Next.store), PPC (head CAS), PI (count +1), DONE. A thread is (pc, round, head1, next1, elem,
# push's head1); shared state is (head, count, Next[3], Value[3]).
START = ((0, 3, (1, 2, -1), (0, 0, 0)), [("START", 0, 0, 0, 0, 0)] * 3)
OWNS = {"VS", "VL", "PL", "PST", "PPC"}


def step(shared, thread, me):
    head, count, nxt, val = shared
    pc, rnd, h1, n1, el, ph = thread
    nxt, val, bug = list(nxt), list(val), False
    if pc == "START":
        pc = "PC"
    elif pc == "PC":
        pc = "PH" if count > 1 else "OY"
    elif pc == "PH":
        h1, pc = head, "PS"
    elif pc == "PS":
        n1, nxt[h1] = nxt[h1], -1
        pc = "PCAS" if n1 >= 0 else "PY"
    elif pc == "PCAS":
        if head == h1:
            head, pc = n1, "PD"
        else:
            pc = "PR"
    elif pc == "PR":
        nxt[h1], pc = n1, "PC"
    elif pc in ("PY", "OY"):
        pc = "PC"
    elif pc == "PD":
        count, el, pc = count - 1, h1, "VS"
    elif pc == "VS":
        val[el], pc = me, "VL"
    elif pc == "VL":
        bug, pc = val[el] != me, "PL"
    elif pc == "PL":
        ph, pc = head, "PST"
    elif pc == "PST":
        nxt[el], pc = ph, "PPC"
    elif pc == "PPC":
        if head == ph:
            head, pc = el, "PI"
        else:
            ph, pc = head, "PST"
    elif pc == "PI":
        count, rnd = count + 1, rnd + 1
        pc = "DONE" if rnd == 2 else "PC"
    return (head, count, tuple(nxt), tuple(val)), (pc, rnd, h1, n1, el, ph), bug


def replay(path):
    shared, threads = START[0], list(START[1])
    for line in json.load(open(path))["log"]:
        m = re.match(r"step\s+(\d+)\s+(?:thread|task) (\d)", line)
        if not m:
            continue
        me = int(m.group(2)) - 1
        op = threads[me][0]
        shared, threads[me], bug = step(shared, threads[me], me)
        head, count, nxt, val = shared
        print(f"{m.group(1):>3} {'    ' * me}T{me + 1} {op:<5}{' ' * (12 - 4 * me)}"
              f"head={head} count={count} Next={nxt} Value={val}{'  BUG' if bug else ''}")


def walk(rng):
    shared, threads, shared_node = START[0], list(START[1]), False
    while True:
        enabled = [i for i in range(3) if threads[i][0] != "DONE"]
        if not enabled:
            return shared_node, False
        me = rng.choice(enabled)
        shared, threads[me], bug = step(shared, threads[me], me)
        if bug:
            return shared_node, True
        owned = [t[4] for t in threads if t[0] in OWNS]
        shared_node |= len(owned) != len(set(owned))


# The atomic each pending transition writes (mff's feedback is the values of written atomics).
WRITES = {"PS": "n1", "PCAS": "head", "PR": "n1", "PD": "count", "VS": "v", "PST": "nel",
          "PPC": "head", "PI": "count"}


def written(thread):
    """The atomic `thread`'s next transition may write, as (name, node), or None."""
    pc, _, h1, _, el, _ = thread
    w = WRITES.get(pc)
    return {"n1": ("next", h1), "nel": ("next", el), "v": ("value", el)}.get(w, w and (w, 0))


def value(shared, key):
    head, count, nxt, val = shared
    kind, node = key
    return {"head": head, "count": count}[kind] if kind in ("head", "count") else \
        {"next": nxt, "value": val}[kind][node]


def fuzz_walk(rng, prefix):
    """One iteration following `prefix` (thread choices), then at random; returns the choices,
    the memory states it reached (values of the atomics it changed, named by first change) and
    whether the assertion failed."""
    shared, threads, names, held, states, run = START[0], list(START[1]), {}, {}, [], []
    while True:
        enabled = [i for i in range(3) if threads[i][0] != "DONE"]
        if not enabled:
            return run, states, False
        me = prefix[len(run)] if len(run) < len(prefix) and prefix[len(run)] in enabled \
            else rng.choice(enabled)
        key = written(threads[me])
        before = value(shared, key) if key else None
        shared, threads[me], bug = step(shared, threads[me], me)
        run.append(me)
        if key and value(shared, key) != before:
            names.setdefault(key, len(names))
            held[names[key]] = value(shared, key)
        states.append(tuple(sorted(held.items())))
        if bug:
            return run, states, True


def fuzz(n, rng):
    """mff on the model: the walk (1-based) that fails the assertion, or None within `n`."""
    seen, corpus = set(), []
    for it in range(n):
        prefix = []
        if corpus and rng.randrange(4) != 0:
            back = 0
            while back < len(corpus) - 1 and rng.randrange(10) != 0:
                back += 1
            seed, first_new = corpus[-1 - back]
            prefix = seed[:rng.randrange(min(first_new + 8, len(seed) + 1))]
        run, states, bug = fuzz_walk(rng, prefix)
        if bug:
            return it + 1
        new = [i for i, s in enumerate(states) if s not in seen]
        seen.update(states)
        if new:
            corpus.append((run, new[0]))
    return None


if __name__ == "__main__":
    if sys.argv[1] == "replay":
        replay(sys.argv[2])
    elif sys.argv[1] == "fuzz":
        n, seeds = int(sys.argv[2]), int(sys.argv[3])
        found = [fuzz(n, random.Random(s)) for s in range(1, seeds + 1)]
        print(f"{n} walks per seed: found on {sum(f is not None for f in found)} of {seeds} "
              f"seeds, at {', '.join(str(f) if f else '-' for f in found)}")
    else:
        n, rng = int(sys.argv[2]), random.Random(int(sys.argv[3]))
        runs = [walk(rng) for _ in range(n)]
        print(f"{n} walks: {sum(s for s, _ in runs)} gave two threads one node, "
              f"{sum(b for _, b in runs)} failed the assertion")
