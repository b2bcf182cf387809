#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, from Debian's packages (slurmctld, slurmd,
# slurm-client, munge), for trying coyote's job-array recipe for real and for its e2e test.
#
#   local-cluster.sh install        apt-get the packages (root; `apt-get update` first if needed)
#   local-cluster.sh start DIR      write DIR/slurm.conf, start munged, slurmctld and slurmd,
#                                   wait until the node is idle; prints `export SLURM_CONF=...`
#   local-cluster.sh stop DIR       stop the daemons that `start DIR` started
#   local-cluster.sh check          say whether this machine can run it (exit 0) or why not
#
# Everything lives in DIR: the munge key and socket, the state, the spool, the logs and the pid
# files; nothing in /etc is read or changed, so it runs beside a system Slurm or munge. The ports
# are the first free pair from COYOTE_SLURM_PORT (default 16817). No cgroups and no systemd are
# needed: processes are tracked by proctrack/linuxproc, tasks are not bound (task/none), and
# there is no accounting database. Daemons run as root (jobs run as the submitting user).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
BINARIES=(slurmctld slurmd sbatch sinfo scontrol munged)

die() { echo "local-cluster: $*" >&2; exit 1; }

missing() {
  local b out=()
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || out+=("$b")
  done
  echo "${out[*]}"
}

check() {
  local m
  m=$(missing)
  [ -z "$m" ] || { echo "missing: $m (Debian: apt-get install ${PACKAGES[*]})"; return 1; }
  [ "$(id -u)" = 0 ] || { echo "not root: slurmd must run as root to start jobs"; return 1; }
  return 0
}

install() {
  [ -z "$(missing)" ] && return 0
  [ "$(id -u)" = 0 ] || die "installing needs root (apt-get install ${PACKAGES[*]})"
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${PACKAGES[*]} by hand"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  }
}

port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

free_ports() {
  local p=${COYOTE_SLURM_PORT:-16817}
  while ! { port_free "$p" && port_free $((p + 1)); }; do
    p=$((p + 2))
    [ "$p" -lt 65000 ] || die "no free port pair from ${COYOTE_SLURM_PORT:-16817}"
  done
  echo "$p"
}

# Waits up to $1 tenths of a second for the command after it to succeed.
wait_for() {
  local n=$1
  shift
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || return 1
    sleep 0.1
  done
}

logs() {
  local f
  for f in "$1"/log/*.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
  done >&2
}

node_idle() { [ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]; }

# A start that failed: the daemons' logs, then whatever it had started is stopped.
fail() {
  logs "$1"
  stop "$1"
  die "$2"
}

start() {
  local dir=$1 why port host node
  why=$(check) || die "cannot start: $why"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/slurmctld.pid" ] || die "$dir already has a cluster (local-cluster.sh stop $dir)"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir/munge"
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged -f --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/log/munged.log" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munged.seed" || fail "$dir" "munged did not start"
  port=$(free_ports)
  host=$(hostname -s)
  node=coyote-node
  # This machine as it is: the CPUs, sockets, cores and memory that slurmd itself detects.
  local hw
  hw=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+ //')
  cat >"$dir/slurm.conf" <<CONF
# Written by scripts/slurm/local-cluster.sh: one node, this machine, no cgroups, no accounting.
ClusterName=coyote
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
SlurmdTimeout=30
NodeName=$node NodeHostname=$host NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=coyote Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -f "$SLURM_CONF" -i || fail "$dir" "slurmctld did not start"
  wait_for 100 scontrol ping || fail "$dir" "slurmctld does not answer"
  slurmd -f "$SLURM_CONF" -N "$node" || fail "$dir" "slurmd did not start"
  wait_for 300 node_idle || { sinfo -N >&2 || true; fail "$dir" "the node did not become idle"; }
  echo "export SLURM_CONF=$SLURM_CONF"
}

stop() {
  local dir=$1 f pid pids=()
  [ -d "$dir" ] || return 0
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    rm -f "$f"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  # Each daemon takes a second or two to save its state and exit: wait for all at once.
  for pid in "${pids[@]}"; do
    wait_for 100 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  done
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  start) [ $# -eq 2 ] || die "usage: local-cluster.sh start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: local-cluster.sh stop DIR"; stop "$2" ;;
  *) die "usage: local-cluster.sh install | check | start DIR | stop DIR" ;;
esac
