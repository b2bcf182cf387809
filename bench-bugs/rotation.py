#!/usr/bin/env python3
"""Choose the portfolio's rotation from measured per-strategy first-bug data.

Input: the CSV `bench-bugs --raw` writes (program,strategy,seed,first_bug), with runs of every
candidate member and of shuttle's two schedulers. For a rotation (a list of members, one per
position), a member's n-th own iteration runs at a known global iteration, and each member keeps
its own state, so the portfolio's first bug is the earliest global iteration at which any member
reaches its own first bug. Members draw from independent seeds, so the portfolio's distribution
is the product of the members' measured survival functions.

For each program the target is shuttle's best median over seeds 1..20 (as `bench-bugs` prints
it). The score of a rotation is the expected number of programs whose 20-seed median meets the
target (the chance is computed by sampling 20-seed medians from the portfolio's distribution).
A hill climb over single-position changes, from the given start, finds a local optimum.

The model takes each member's runs on its own, so it misses one thing the real portfolio does:
members learn the program's length from each other's iterations, which helps PCT and delay
bounding most in their first turns on short programs. Its scores are pessimistic there; confirm
a chosen rotation with `bench-bugs --strategies portfolio`.

usage: rotation.py RAW.csv[,MORE.csv] [--probes p1,p2;p3,..] [--start m1,m2,...] [--members m,...]
                   [--require a|b,c|d] [--eval]
  --probes:  the probes worker 0 runs before its rotation, `;`-separated, each as the programs it
             finds (its schedule is fixed, so it finds them on every seed); omit for no probes.
             Worker 0 now runs two: the newest-first sweep
             (carter01,circular_buffer,deadlock01,lazy01,queue,stack,token_ring), then the
             newest-first round robin
             (account,carter01,circular_buffer,deadlock01,queue,wronglock,wronglock_3)
  --require: every rotation keeps at least one member of each `|`-separated group
  --eval:    score the start rotation only, with per-program detail
"""

import csv
import random
import sys
from collections import defaultdict

INF = float("inf")
BUDGET = 10_000


def median(v):
    v = sorted(v)
    n = len(v)
    if n == 0:
        return INF
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def load(paths):
    data = defaultdict(dict)  # program -> strategy -> [first_bug or INF] by seed
    for path in paths.split(","):
        for row in csv.DictReader(open(path)):
            v = INF if row["first_bug"] == "" else int(row["first_bug"])
            data[row["program"]].setdefault(row["strategy"], []).append(v)
    return data


def targets(data):
    out = {}
    for prog, by in data.items():
        best = INF
        for s in ("shuttle-random", "shuttle-pct:3"):
            if s in by:
                found = [v for v in by[s][:20] if v != INF]
                if len(found) * 2 > len(by[s][:20]):
                    best = min(best, median(found))
        out[prog] = best
    return out


def global_iters(rotation, member, own):
    """Global iteration of `member`'s own iteration `own` in the rotation."""
    pos = [i for i, m in enumerate(rotation) if m == member]
    if own == INF or not pos:
        return INF
    return (own // len(pos)) * len(rotation) + pos[own % len(pos)]


def cdf(rotation, by, limit):
    """P(portfolio first bug <= x) for x in 0..limit (a member not measured on the program
    counts as never finding its bug)."""
    surv = [1.0] * (limit + 1)
    for m in set(rotation):
        g = sorted(global_iters(rotation, m, v) for v in by.get(m, [INF]))
        n, j = len(g), 0
        for x in range(limit + 1):
            while j < n and g[j] <= x:
                j += 1
            surv[x] *= 1 - j / n
    return [1 - s for s in surv]


def pass_chance(c, target, rng, draws=400):
    """Chance that a 20-seed median meets the target, and the distribution's median."""
    limit = len(c) - 1

    def sample():
        u = rng.random()
        lo, hi = 0, limit
        if c[hi] < u:
            return INF
        while lo < hi:
            mid = (lo + hi) // 2
            if c[mid] >= u:
                hi = mid
            else:
                lo = mid + 1
        return lo

    ok = 0
    for _ in range(draws):
        if median([sample() for _ in range(20)]) <= target:
            ok += 1
    pop = next((x for x, p in enumerate(c) if p >= 0.5), INF)
    return ok / draws, pop


def score(rotation, data, tg, probes, detail=False):
    rng = random.Random(1)
    total, rows = 0.0, []
    # With probes that miss, every rotation iteration is that many later.
    shift = len(probes)
    for prog in sorted(data):
        t = tg[prog]
        hit = next((i for i, found in enumerate(probes) if prog in found), None)
        if hit is not None:
            p = 1.0 if hit <= t else 0.0
            total += p
            rows.append((prog, t, hit, p))
            continue
        if t == INF:
            # Shuttle finds it on at most half the seeds: the target is to find it on all 20
            # within 10,000 iterations.
            c = cdf(rotation, data[prog], BUDGET - 1 - shift)
            p = c[-1] ** 20
            total += p
            pop = next((x + shift for x, q in enumerate(c) if q >= 0.5), INF)
            rows.append((prog, "all", pop, p))
            continue
        limit = int(2 * t) + 2
        c = cdf(rotation, data[prog], limit)
        c = [0.0] * shift + c[: len(c) - shift] if shift else c
        p, pop = pass_chance(c, t, rng)
        total += p
        rows.append((prog, t, pop, p))
    if detail:
        for prog, t, pop, p in rows:
            print(f"  {prog:18} target {t:>6}  population median {pop:>5}  P(pass) {p:.2f}")
    return total


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(2)
    data = load(args[0])
    opts = dict(zip(args[1::2], args[2::2])) if "--eval" not in args else {}
    if "--eval" in args:
        rest = [a for a in args[1:] if a != "--eval"]
        opts = dict(zip(rest[::2], rest[1::2]))
    probes = [set(p.split(",")) for p in opts["--probes"].split(";")] if "--probes" in opts else []
    tg = targets(data)
    start = opts.get(
        "--start",
        "pct:5,fair-pct:5,delay-bounding:3,probabilistic:1,pct:5,delay-bounding:3,fair-pct:5,probabilistic:2",
    ).split(",")
    some = next(iter(data.values()))
    members = opts.get("--members", ",".join(s for s in some if not s.startswith("shuttle")))
    members = members.split(",")
    require = [g.split("|") for g in opts["--require"].split(",")] if "--require" in opts else []
    if "--eval" in args:
        print(f"{','.join(start)}: {score(start, data, tg, probes, True):.2f}")
        return
    best, best_score = start, score(start, data, tg, probes)
    print(f"start {best_score:.2f}: {','.join(best)}")
    improved = True
    while improved:
        improved = False
        for i in range(len(best)):
            for m in members:
                if m == best[i]:
                    continue
                cand = best[:i] + [m] + best[i + 1 :]
                if not all(any(x in cand for x in g) for g in require):
                    continue
                s = score(cand, data, tg, probes)
                if s > best_score + 1e-9:
                    best, best_score, improved = cand, s, True
                    print(f"  {best_score:.2f}: {','.join(best)}", flush=True)
    print(f"best {best_score:.2f}: {','.join(best)}")
    score(best, data, tg, probes, True)


if __name__ == "__main__":
    main()
