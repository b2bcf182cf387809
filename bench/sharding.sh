#!/usr/bin/env bash
# Scale figures for sharding (docs/sharding.md), written into bench/RESULTS.md by hand:
#
#  1. throughput: one run with W workers against 1, 2 and 4 local shards of it (W/N workers
#     each, all started at once, then `coyote merge`), on the same sample, seed and iterations;
#  2. the merge of 1,000 synthetic shards (made from a real shard's folder: each with its own
#     bugs, coverage points and coverage items), timed with /usr/bin/time -v.
#
# Usage: bench/sharding.sh [ITERATIONS] [WORKERS]   (defaults 40000 and 4)
# Needs a built `coyote` and the foo-bar sample (`cargo build -p coyote-cli -p foo-bar`);
# PROFILE=release uses target/release; MERGE_ONLY=1 skips the throughput part; KEEP=DIR keeps
# the folders in DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=${PROFILE:-debug}
coyote="$root/target/$profile/coyote"
lib="$root/target/$profile/libfoo_bar.so"
iterations=${1:-40000}
workers=${2:-4}
if [ -n "${KEEP:-}" ]; then work=$KEEP; mkdir -p "$work"; else
  work=$(mktemp -d /tmp/coyote-shard-bench.XXXXXX); trap 'rm -rf "$work"' EXIT; fi
[ -x "$coyote" ] && [ -f "$lib" ] || { echo "build first: cargo build -p coyote-cli -p foo-bar" >&2; exit 2; }

now() { date +%s.%N; }
common=(--test foo_bar_fixed --seed 1 -i "$iterations")

if [ -z "${MERGE_ONLY:-}" ]; then
echo "## throughput: foo_bar_fixed, $iterations iterations, $workers workers in all ($profile build, $(nproc) cores)"
echo
echo "| layout | wall s | iterations/s | vs one run |"
echo "|---|---:|---:|---:|"
t0=$(now)
"$coyote" test "$lib" "${common[@]}" -j "$workers" -o "$work/single" >/dev/null
t1=$(now)
single=$(echo "$t1 - $t0" | bc -l)
printf '| one run, -j %s | %.2f | %.0f | 1.00x |\n' "$workers" "$single" "$(echo "$iterations / $single" | bc -l)"
for n in 1 2 4; do
  per=$(( workers / n > 0 ? workers / n : 1 ))
  t0=$(now)
  pids=()
  for k in $(seq 1 "$n"); do
    "$coyote" test "$lib" "${common[@]}" -j "$per" --shard "$k/$n" -o "$work/s$n-$k" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  "$coyote" merge "$work"/s"$n"-* -o "$work/m$n" >/dev/null
  t1=$(now)
  wall=$(echo "$t1 - $t0" | bc -l)
  got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tests'][0]['iterations'])" "$work/m$n/report.json")
  [ "$got" = "$iterations" ] || { echo "merged $got iterations, not $iterations" >&2; exit 1; }
  printf '| %s shard%s x -j %s, then merge | %.2f | %.0f | %.2fx |\n' "$n" "$([ "$n" = 1 ] || echo s)" "$per" "$wall" \
    "$(echo "$iterations / $wall" | bc -l)" "$(echo "$single / $wall" | bc -l)"
done
fi

echo
echo "## merging 1,000 synthetic shards"
# A real shard folder to copy from (worker 0 of 1,000 runs 200 iterations): --explore finds
# several distinct bugs, --coverage counts.
"$coyote" test "$lib" --test foo_bar --explore --coverage --seed 1 -i 200000 -j 1 --shard 1/1000 -o "$work/template" >/dev/null || true
python3 - "$work" <<'EOF'
import json, os, shutil, sys
work = sys.argv[1]
tpl = os.path.join(work, "template")
report = json.load(open(os.path.join(tpl, "report.json")))
traces = [f for f in os.listdir(tpl) if f.endswith(".trace")]
for k in range(1, 1001):
    r = json.loads(json.dumps(report))
    r["shard"]["number"] = k
    t = r["tests"][0]
    for b in t["bugs"]:
        # Each shard's bugs fall at other places of the run; some shards find one more.
        b["order"] = b["order"] + (k * 7) % 50
        b["worker"] = k - 1
    if k % 10 == 0:
        extra = dict(t["bugs"][0])
        # Letters, not digits: a bug's key masks the digits of its message.
        extra["message"] = "shard-only bug " + "".join(chr(97 + int(c)) for c in str(k))
        extra["trace"] = "foo_bar-99.trace"
        t["bugs"].append(extra)
    cov = t["shard"]["coverage"]
    for i in range(20):
        cov["points"][f"src/generated.rs:{k}:{i}"] = k + i
    t["shard"]["items"] = t["shard"].get("items", []) + [[i + 1, f"p:src/generated.rs:{k}:{i}"] for i in range(20)]
    # Every shard's schedules distinct from every other's (the merge's worst case: none repeat).
    pairs = [p.split(":") for p in t["shard"].get("schedules", "").split()]
    t["shard"]["schedules"] = " ".join(f"{at}:{int(h, 16) ^ (k * 0x9E3779B97F4A7C15 % 2**64):x}" for at, h in pairs)
    d = os.path.join(work, "many", f"shard-{k}-of-1000")
    os.makedirs(d)
    json.dump(r, open(os.path.join(d, "report.json"), "w"), indent=2)
    for f in traces:
        shutil.copy(os.path.join(tpl, f), os.path.join(d, f))
    if k % 10 == 0:
        shutil.copy(os.path.join(tpl, traces[0]), os.path.join(d, "foo_bar-99.trace"))
EOF
size=$(du -sh "$work/many" | cut -f1)
echo "1,000 shard folders, $size on disk; \`/usr/bin/time -v coyote merge many/* -o merged\`:"
echo
/usr/bin/time -v "$coyote" merge "$work"/many/* -o "$work/merged" >"$work/merge.out" 2>"$work/merge.time" || true
grep -E "Elapsed \(wall|Maximum resident|User time|System time|Exit status" "$work/merge.time" | sed 's/^\s*/    /'
python3 -c "
import json,sys
r=json.load(open(sys.argv[1]))
t=r['tests'][0]
print(f\"    merged: {r['merged_shards']} shards, {t['iterations']} iterations, {len(t['bugs'])} distinct bugs, {t['coverage']['points']} coverage points, {t['saturation']['total']['schedules']} distinct schedules\")
" "$work/merged/report.json"
