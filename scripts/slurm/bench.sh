#!/usr/bin/env bash
# The Slurm figures of bench/RESULTS.md ("Sharding on a local Slurm cluster"): one run with
# -j 4 against the same run as a Slurm job array of 4 one-worker shards plus the merge job
# (docs/sharding/slurm-array.sh), on a one-node cluster of this machine
# (scripts/slurm/local-cluster.sh), and a check that both give the same report.
#
# Usage: scripts/slurm/bench.sh [ITERATIONS...]   (default: 40000 200000)
# Needs root, the Slurm packages (local-cluster.sh install) and a built coyote and foo-bar
# sample (cargo build -p coyote-cli -p foo-bar); PROFILE=release uses target/release.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
profile=${PROFILE:-debug}
coyote=$root/target/$profile/coyote
lib=$root/target/$profile/libfoo_bar.so
[ -x "$coyote" ] && [ -f "$lib" ] || { echo "build first: cargo build -p coyote-cli -p foo-bar" >&2; exit 2; }
[ $# -gt 0 ] || set -- 40000 200000
work=$(mktemp -d /tmp/coyote-slurm-bench.XXXXXX)
cluster=$work/cluster
trap '"$root/scripts/slurm/local-cluster.sh" stop "$cluster"; rm -rf "$work"' EXIT
eval "$("$root/scripts/slurm/local-cluster.sh" start "$cluster")"

now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$1" | bc -l)"; }
# The same report but for durations and the merge's own fields.
same() {
  python3 - "$1" "$2" <<'PY'
import json, sys
def norm(d):
    r = json.load(open(d + "/report.json"))
    r.pop("merged_shards", None); r.pop("library", None)
    for t in r["tests"]:
        t.pop("duration_secs", None); t.pop("saturation", None)
    return r
sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)
PY
}
# Waits for a job by polling scontrol every 0.1 s (sbatch --wait polls every few seconds).
wait_job() {
  while :; do
    state=$(scontrol show job -o "$1" | grep -o 'JobState=[A-Z_]*' | head -n 1)
    case $state in JobState=COMPLETED | JobState=FAILED | JobState=CANCELLED | JobState=TIMEOUT) break ;; esac
    sleep 0.1
  done
}

echo "## foo_bar_fixed --explore, 4 workers in all ($profile build, $(nproc) cores, $(sinfo -V))"
echo
echo "| iterations | one run -j 4 | Slurm: 4 shards -j 1 + merge, polled | of which in coyote (longest shard + merge) | Slurm, \`slurm-array.sh --wait\` | same report |"
echo "|---:|---:|---:|---:|---:|---|"
for it in "$@"; do
  common=(--test foo_bar_fixed --seed 1 -i "$it" --explore)
  t0=$(now)
  "$coyote" test "$lib" "${common[@]}" -j 4 -o "$work/single-$it" >/dev/null
  single=$(echo "$(now) - $t0" | bc -l)

  export COYOTE_BIN=$coyote COYOTE_LIB=$lib COYOTE_TEST=foo_bar_fixed COYOTE_SHARDS=4 \
    COYOTE_WORKERS=1 COYOTE_ITERATIONS=$it COYOTE_SEED=1
  # Polled: submit, then watch the merge job closely.
  export COYOTE_OUT=$work/slurm-$it
  t0=$(now)
  out=$("$root/docs/sharding/slurm-array.sh")
  merge_job=$(echo "$out" | sed -nE 's/^merge: job ([0-9]+) .*/\1/p')
  wait_job "$merge_job"
  polled=$(echo "$(now) - $t0" | bc -l)
  t0=$(now)
  "$coyote" merge "$COYOTE_OUT"/shard-{1,2,3,4} -o "$work/remerge-$it" >/dev/null || true
  merge=$(echo "$(now) - $t0" | bc -l)
  longest=$(python3 -c "import json,sys; print(max(json.load(open(f'$COYOTE_OUT/shard-{k}/report.json'))['tests'][0]['duration_secs'] for k in range(1,5)))")
  in_coyote=$(echo "$longest + $merge" | bc -l)
  # As the recipe's users run it: sbatch --wait on the merge job.
  export COYOTE_OUT=$work/slurm-wait-$it
  t0=$(now)
  "$root/docs/sharding/slurm-array.sh" --wait >/dev/null
  waited=$(echo "$(now) - $t0" | bc -l)
  verdict=no
  same "$work/single-$it" "$work/slurm-$it/merged" && same "$work/single-$it" "$COYOTE_OUT/merged" && verdict=yes
  echo "| $it | $(secs "$single") s | $(secs "$polled") s | $(secs "$in_coyote") s | $(secs "$waited") s | $verdict |"
done
