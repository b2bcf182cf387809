#!/usr/bin/env bash
# One coyote run split over a Slurm job array, then merged by a job that waits for all of it.
#
#   COYOTE_LIB=$PWD/target/release/libmy_service.so ./slurm-array.sh [--wait]
#
# Submits two jobs and prints their ids: an array of COYOTE_SHARDS tasks, task i running
# `coyote test --shard auto` (shard i+1 of the array's size, from SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT), and a merge job with --dependency=afterany on the array, so it runs
# when every shard has ended, whatever their exit codes (a shard that found a bug exits 1). The
# merged folder, $COYOTE_OUT/merged, is the report one run with COYOTE_SHARDS x COYOTE_WORKERS
# workers would have written; the merge job exits 1 when it holds a bug, 0 when not.
# --wait: block until the merge job ends and exit with its code (for a CI step).
#
# Settings (environment; sbatch passes it to the jobs):
#   COYOTE_LIB         the cdylib under test (required; an absolute path or one under $PWD)
#   COYOTE_TEST        one test to run (default: all of the library's tests)
#   COYOTE_SHARDS      array size (default 4)
#   COYOTE_WORKERS     worker processes per shard, and CPUs per array task (default 1)
#   COYOTE_ITERATIONS  iterations of the whole run, over all shards (default 10000)
#   COYOTE_SEED        the run's seed: the same seed and settings give the same merged report
#                      (default 1)
#   COYOTE_ARGS        more `coyote test` flags, the same for every shard (--coverage)
#   COYOTE_OUT         output folder, on a file system every node sees (default $PWD/coyote-slurm)
#   COYOTE_BIN         the coyote binary (default: coyote on PATH)
#   SBATCH_PARTITION, SBATCH_TIMELIMIT, SBATCH_ACCOUNT ... : sbatch's own input variables
#
# --explore: every shard runs all of its iterations, bugs or not, so the merged report is the
# one run's to the last count; without it each shard stops at its first bug.
# The jobs run this same file again: `shard` and `merge` are its job steps, not for direct use.
set -euo pipefail

COYOTE_BIN=${COYOTE_BIN:-coyote}
COYOTE_SHARDS=${COYOTE_SHARDS:-4}
COYOTE_WORKERS=${COYOTE_WORKERS:-1}
COYOTE_ITERATIONS=${COYOTE_ITERATIONS:-10000}
COYOTE_SEED=${COYOTE_SEED:-1}
COYOTE_OUT=${COYOTE_OUT:-$PWD/coyote-slurm}

shard() {
  local number=$((SLURM_ARRAY_TASK_ID + 1)) code=0
  "$COYOTE_BIN" test "$COYOTE_LIB" ${COYOTE_TEST:+--test "$COYOTE_TEST"} \
    --seed "$COYOTE_SEED" -i "$COYOTE_ITERATIONS" -j "$COYOTE_WORKERS" \
    --explore --shard auto -o "$COYOTE_OUT/shard-$number" ${COYOTE_ARGS:-} || code=$?
  # 0: no bug, 1: a bug (its trace is in the folder). Anything else is not a result.
  exit "$code"
}

merge() {
  local dirs=() i
  # Every shard by name: one that left no folder is an error, not a smaller run.
  for i in $(seq 1 "$COYOTE_SHARDS"); do dirs+=("$COYOTE_OUT/shard-$i"); done
  exec "$COYOTE_BIN" merge "${dirs[@]}" -o "$COYOTE_OUT/merged"
}

submit() {
  : "${COYOTE_LIB:?set COYOTE_LIB to the library under test (target/release/libNAME.so)}"
  case $COYOTE_LIB in /*) ;; *) COYOTE_LIB=$PWD/$COYOTE_LIB ;; esac
  case $COYOTE_OUT in /*) ;; *) COYOTE_OUT=$PWD/$COYOTE_OUT ;; esac
  export COYOTE_BIN COYOTE_LIB COYOTE_TEST COYOTE_SHARDS COYOTE_WORKERS COYOTE_ITERATIONS \
    COYOTE_SEED COYOTE_OUT COYOTE_ARGS
  mkdir -p "$COYOTE_OUT/logs"
  local array merge_job
  array=$(sbatch --parsable --job-name=coyote-shard --array="0-$((COYOTE_SHARDS - 1))" \
    --ntasks=1 --cpus-per-task="$COYOTE_WORKERS" --export=ALL \
    --output="$COYOTE_OUT/logs/shard-%a.out" "$0" shard)
  array=${array%%;*}
  echo "shards: job array $array ($COYOTE_SHARDS tasks), output in $COYOTE_OUT/shard-K"
  local wait=()
  [ "${1:-}" = --wait ] && wait=(--wait)
  local code=0
  merge_job=$(sbatch --parsable "${wait[@]}" --job-name=coyote-merge \
    --dependency="afterany:$array" --ntasks=1 --export=ALL \
    --output="$COYOTE_OUT/logs/merge.out" "$0" merge) || code=$?
  echo "merge: job ${merge_job%%;*} after the array, merged report in $COYOTE_OUT/merged"
  # With --wait, sbatch exits with the merge job's code: 1 when the run found a bug.
  exit "$code"
}

case "${1:-}" in
  shard) shard ;;
  merge) merge ;;
  "" | --wait) submit "$@" ;;
  *) echo "usage: slurm-array.sh [--wait]" >&2; exit 2 ;;
esac
