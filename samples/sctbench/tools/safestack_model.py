#!/usr/bin/env python3
"""A step-for-step model of `threads_safestack` (samples/sctbench/src/threads/safestack.rs), to
read a bug trace and to count how often a random walk corrupts the stack.

Each thread is a state machine with one transition per scheduling point of the port (thread
start, every atomic access, every yield), so a trace's sequence of threads drives it exactly:

    safestack_model.py replay T.trace   # the trace's steps with head, count, Next[], Value[]
    safestack_model.py walk N SEED      # N uniform random walks over the three threads: how
                                        # many give two threads one node, how many fail the
                                        # assertion

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


if __name__ == "__main__":
    if sys.argv[1] == "replay":
        replay(sys.argv[2])
    else:
        n, rng = int(sys.argv[2]), random.Random(int(sys.argv[3]))
        runs = [walk(rng) for _ in range(n)]
        print(f"{n} walks: {sum(s for s, _ in runs)} gave two threads one node, "
              f"{sum(b for _, b in runs)} failed the assertion")
