#!/usr/bin/env python3
"""How likely a 20-seed run of `bench-bugs` is to show a strategy at or below shuttle's best.

A 20-seed median is noisy, and "shuttle's best" is the smaller of two noisy medians. Given raw
runs over many seeds (`bench-bugs --seeds 200 --raw FILE`, with the strategy and both shuttle
schedulers), this draws 20-seed samples (with replacement) from each measured distribution and
prints, per program, the share of draws in which the strategy's median is at or below the better
of shuttle's two, and the expected number of programs that meet the target in one 20-seed run.

usage: meet.py RAW.csv[,MORE.csv] [--strategy portfolio] [--draws 2000]
"""

import csv
import random
import sys
from collections import defaultdict

INF = float("inf")
SHUTTLE = ("shuttle-random", "shuttle-pct:3")


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        sys.exit(2)
    opts = dict(zip(args[1::2], args[2::2]))
    ours = opts.get("--strategy", "portfolio")
    draws = int(opts.get("--draws", "2000"))
    runs = defaultdict(lambda: defaultdict(list))
    for path in args[0].split(","):
        for row in csv.DictReader(open(path)):
            v = INF if row["first_bug"] == "" else int(row["first_bug"])
            runs[row["program"]][row["strategy"]].append(v)
    rng = random.Random(1)
    sample = lambda v: median([rng.choice(v) for _ in range(20)])  # noqa: E731
    total, measured = 0.0, 0
    for prog in sorted(runs):
        by = runs[prog]
        missing = [s for s in (ours, *SHUTTLE) if s not in by]
        if missing:
            print(f"  {prog:18} skipped: no runs of {', '.join(missing)}")
            continue
        ok = sum(sample(by[ours]) <= min(sample(by[s]) for s in SHUTTLE) for _ in range(draws))
        total += ok / draws
        measured += 1
        print(f"  {prog:18} {len(by[ours]):>4} seeds  P(median <= shuttle's best) {ok / draws:.2f}")
    print(f"expected programs meeting the target in one 20-seed run: {total:.1f} of {measured}")


if __name__ == "__main__":
    main()
