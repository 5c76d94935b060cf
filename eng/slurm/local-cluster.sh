#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, from Debian's packages, for trying eng/slurm/ (docs/slurm.md).
# This host is the controller and the only compute node (its real CPUs and memory, from `slurmd -C`); `sacct`
# works (slurmdbd on a private MariaDB). Every daemon runs from a state folder with its own config, munge key,
# sockets, ports and pid files: nothing in /etc is written and a system Slurm or munge is left alone.
#
#   eng/slurm/local-cluster.sh start           install what is missing, then start what is not running
#   eng/slurm/local-cluster.sh stop [--purge]  cancel the jobs, stop the daemons (--purge: delete the state folder)
#   eng/slurm/local-cluster.sh status          the daemons, sinfo and squeue; exit 0 only if all run
#   eng/slurm/local-cluster.sh env             print 'export SLURM_CONF=…' for the Slurm commands: eval "$(… env)"
#
# Settings (environment): SNN_SLURM_STATE the state folder (default /tmp/snn-slurm; keep it short: it holds
# Unix sockets); SNN_SLURM_PORT the first of four TCP ports on 127.0.0.1 (default 6917: slurmctld, slurmd,
# MariaDB, slurmdbd). Needs root (or sudo without a password) for apt and the daemons; containers without
# systemd are fine, the daemons are started directly.
set -euo pipefail
SNN_LOG_TAG="local-cluster"
# shellcheck source=eng/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

STATE="${SNN_SLURM_STATE:-/tmp/snn-slurm}"
PORT="${SNN_SLURM_PORT:-6917}"
CLUSTER="snn-local"
PARTITION="local"
PACKAGES=(slurm-wlm munge slurmdbd mariadb-server)
[[ $STATE == /* && $STATE != *[[:space:]]* ]] || die "SNN_SLURM_STATE must be an absolute path without spaces (it goes into slurm.conf); got '$STATE'"
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1024 || PORT > 65532)); then die "SNN_SLURM_PORT must be a port number in 1024 … 65532 (four ports from it are used); got '$PORT'"; fi

ETC="$STATE/etc" MUNGE="$STATE/munge" DB="$STATE/mariadb" RUN="$STATE/run" LOGS="$STATE/log"
CONF="$ETC/slurm.conf" DBD_CONF="$ETC/slurmdbd.conf"
MUNGE_SOCKET="$MUNGE/munge.socket"
DB_SOCKET="$DB/mariadbd.sock"
CTLD_PORT=$PORT SLURMD_PORT=$((PORT + 1)) DB_PORT=$((PORT + 2)) DBD_PORT=$((PORT + 3))
export SLURM_CONF="$CONF"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

need_root() {
  [[ $(id -u) -eq 0 ]] && return 0
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n --preserve-env=SNN_SLURM_STATE,SNN_SLURM_PORT bash "$0" "$@"
  fi
  die "needs root: the Slurm daemons run as root and packages come from apt; run it as root or give this user sudo without a password ('sudo -n true' failed)"
}

# pid_of NAME PIDFILE: the pid if that process runs and is NAME (a stale pid file is not trusted).
pid_of() {
  local pid
  [[ -s $2 ]] || return 1
  pid=$(<"$2")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/comm ]] && [[ $(</proc/"$pid"/comm) == "$1" ]] || return 1
  printf '%s\n' "$pid"
}

# wait_for SECONDS WHAT CMD...: polls CMD until it succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local t=0
  until "$@" >/dev/null 2>&1; do
    ((t++ < limit * 2)) || return 1
    sleep 0.5
  done
  log "$what: ready"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_configs() {
  mkdir -p "$ETC" "$RUN/ctld" "$RUN/spool" "$LOGS"
  chmod 0755 "$STATE" "$ETC" "$RUN" "$LOGS"
  local host node
  host=$(hostname -s)
  # The node's real CPUs and memory; UpTime (second line) is not a node parameter.
  node=$(slurmd -C | head -n 1) || die "'slurmd -C' failed: is slurmd installed?"
  [[ $node == "NodeName=$host "* ]] || die "'slurmd -C' printed '$node', expected NodeName=$host"
  # Rewritten on every start (the daemons are stopped then): a changed machine or port gets a matching config.
  cat >"$CONF" <<EOF
# Written by eng/slurm/local-cluster.sh: a one-node cluster for tests. Regenerated on every start.
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$RUN/ctld
SlurmdSpoolDir=$RUN/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No cgroups needed (containers): processes are tracked through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
# A request the node cannot meet (more CPUs than it has) is refused at submission, not left pending forever.
EnforcePartLimits=ALL
# sacct needs slurmdbd; AccountingStoragePass names the munge socket for the slurmdbd connections.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
AccountingStoragePass=$MUNGE_SOCKET
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # The database password is made once and kept (slurmdbd.conf is the only copy, readable by root only).
  local pass=""
  [[ -f $DBD_CONF ]] && pass=$(sed -n 's/^StoragePass=//p' "$DBD_CONF")
  [[ -n $pass ]] || pass=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (
    umask 077
    cat >"$DBD_CONF" <<EOF
# Written by eng/slurm/local-cluster.sh. Regenerated on every start.
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$LOGS/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$pass
StorageLoc=slurm_acct_db
EOF
  )
  DB_PASS=$pass
}

munge_ok() { munge -n -S "$MUNGE_SOCKET" | unmunge -S "$MUNGE_SOCKET"; }

start_munge() {
  if pid=$(pid_of munged "$MUNGE/munged.pid"); then log "munged: running (pid $pid)"; return 0; fi
  # munged checks permissions: the socket folder must be reachable by all, the key readable by root only.
  mkdir -p "$MUNGE"; chmod 0755 "$MUNGE"
  if [[ ! -s $MUNGE/munge.key ]]; then
    log "munge: new key $MUNGE/munge.key"
    mungekey --create --keyfile="$MUNGE/munge.key" || die "mungekey --create failed"
  fi
  chmod 0600 "$MUNGE/munge.key"
  rm -f "$MUNGE_SOCKET"
  munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE/munge.key" --log-file="$LOGS/munged.log" \
    --pid-file="$MUNGE/munged.pid" --seed-file="$MUNGE/munged.seed" --num-threads=10 \
    || die "munged did not start: see $LOGS/munged.log"
  wait_for 10 munged munge_ok || die "munged does not answer on $MUNGE_SOCKET: see $LOGS/munged.log"
}

start_mariadb() {
  if pid=$(pid_of mariadbd "$DB/mariadbd.pid"); then log "mariadbd: running (pid $pid)"; return 0; fi
  port_free "$DB_PORT" || die "port $DB_PORT (MariaDB) is in use: set SNN_SLURM_PORT to another base port"
  mkdir -p "$DB"
  if [[ ! -d $DB/data/mysql ]]; then
    log "mariadb: new database in $DB/data"
    mariadb-install-db --no-defaults --user=root --datadir="$DB/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $LOGS/mariadb-install.log"
  fi
  # --no-defaults: a system MariaDB's config (port 3306, /run/mysqld) must not apply to this one.
  setsid mariadbd --no-defaults --user=root --datadir="$DB/data" --socket="$DB_SOCKET" --port="$DB_PORT" \
    --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$DB/mariadbd.pid" --log-error="$LOGS/mariadbd.log" \
    --innodb-buffer-pool-size=32M --innodb-lock-wait-timeout=900 </dev/null >/dev/null 2>&1 &
  wait_for 60 mariadbd mariadb-admin --no-defaults -S "$DB_SOCKET" -u root ping || die "MariaDB did not start: see $LOGS/mariadbd.log"
}

db_user() {
  mariadb --no-defaults -S "$DB_SOCKET" -u root -e "
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
    ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || die "could not create the MariaDB user for slurmdbd"
}

start_slurmdbd() {
  if pid=$(pid_of slurmdbd "$RUN/slurmdbd.pid"); then log "slurmdbd: running (pid $pid)"; return 0; fi
  port_free "$DBD_PORT" || die "port $DBD_PORT (slurmdbd) is in use: set SNN_SLURM_PORT to another base port"
  slurmdbd || die "slurmdbd did not start: see $LOGS/slurmdbd.log"
  wait_for 60 slurmdbd sacctmgr -n list cluster || die "slurmdbd does not answer: see $LOGS/slurmdbd.log"
  if [[ -z $(sacctmgr -n -P list cluster "$CLUSTER" format=cluster) ]]; then
    sacctmgr -i add cluster "$CLUSTER" >/dev/null || die "sacctmgr add cluster $CLUSTER failed"
    log "slurmdbd: cluster $CLUSTER registered"
  fi
}

node_ready() { [[ $(sinfo -h -N -o %T 2>/dev/null | head -n 1) =~ ^(idle|mixed|allocated|completing) ]]; }

start_slurm() {
  local pid
  if pid=$(pid_of slurmctld "$RUN/slurmctld.pid"); then log "slurmctld: running (pid $pid)"
  else
    port_free "$CTLD_PORT" || die "port $CTLD_PORT (slurmctld) is in use: set SNN_SLURM_PORT to another base port"
    slurmctld || die "slurmctld did not start: see $LOGS/slurmctld.log"
    wait_for 30 slurmctld scontrol ping || die "slurmctld does not answer: see $LOGS/slurmctld.log"
  fi
  if pid=$(pid_of slurmd "$RUN/slurmd.pid"); then log "slurmd: running (pid $pid)"
  else
    port_free "$SLURMD_PORT" || die "port $SLURMD_PORT (slurmd) is in use: set SNN_SLURM_PORT to another base port"
    slurmd || die "slurmd did not start: see $LOGS/slurmd.log"
  fi
  if ! wait_for 30 "node $(hostname -s)" node_ready; then
    # A node left down by an earlier unclean stop comes back once resumed.
    scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true
    wait_for 15 "node $(hostname -s)" node_ready \
      || die "node $(hostname -s) is not idle ($(sinfo -h -N -o '%T %E')): see $LOGS/slurmd.log and $LOGS/slurmctld.log"
  fi
}

all_running() {
  local running=0 total=0 name file
  for name in munged:"$MUNGE/munged.pid" mariadbd:"$DB/mariadbd.pid" slurmdbd:"$RUN/slurmdbd.pid" \
    slurmctld:"$RUN/slurmctld.pid" slurmd:"$RUN/slurmd.pid"; do
    file=${name#*:} name=${name%%:*}
    total=$((total + 1))
    if pid_of "$name" "$file" >/dev/null; then running=$((running + 1)); fi
  done
  printf '%s/%s\n' "$running" "$total"
}

cmd_start() {
  need_root start
  if [[ $(all_running) == 5/5 ]]; then log "already running (state $STATE)"; cmd_env; return 0; fi
  apt_ensure "${PACKAGES[@]}"
  local stopped=0
  pid_of slurmctld "$RUN/slurmctld.pid" >/dev/null || pid_of slurmd "$RUN/slurmd.pid" >/dev/null || stopped=1
  if [[ $stopped -eq 1 || ! -f $CONF ]]; then write_configs; else DB_PASS=$(sed -n 's/^StoragePass=//p' "$DBD_CONF"); fi
  start_munge
  start_mariadb
  db_user
  start_slurmdbd
  start_slurm
  log "started: cluster $CLUSTER, partition $PARTITION, node $(sinfo -h -N -o '%N %c CPUs %m MB'); state in $STATE"
  cmd_env
}

# stop_daemon NAME PIDFILE: SIGTERM, then waits up to 30 s.
stop_daemon() {
  local pid t=0
  if ! pid=$(pid_of "$1" "$2"); then log "$1: not running"; return 0; fi
  kill "$pid"
  while [[ -e /proc/$pid ]]; do
    ((t++ < 60)) || die "$1 (pid $pid) did not stop within 30 s"
    sleep 0.5
  done
  rm -f "$2"
  log "$1: stopped"
}

cmd_stop() {
  local purge=0
  for a in "$@"; do
    case "$a" in --purge) purge=1 ;; *) die "unknown option '$a' for stop (expected --purge)" ;; esac
  done
  need_root stop "$@"
  if pid_of slurmctld "$RUN/slurmctld.pid" >/dev/null && [[ -n $(squeue -h -o %A 2>/dev/null) ]]; then
    log "cancelling the jobs still queued or running"
    scancel --partition="$PARTITION" || true
    local t=0
    while [[ -n $(squeue -h -o %A 2>/dev/null) ]] && ((t++ < 60)); do sleep 0.5; done
  fi
  stop_daemon slurmd "$RUN/slurmd.pid"
  stop_daemon slurmctld "$RUN/slurmctld.pid"
  stop_daemon slurmdbd "$RUN/slurmdbd.pid"
  stop_daemon mariadbd "$DB/mariadbd.pid"
  stop_daemon munged "$MUNGE/munged.pid"
  if [[ $purge -eq 1 && -d $STATE ]]; then
    [[ -f $CONF ]] || die "$STATE holds no etc/slurm.conf: not a state folder of this script, left alone"
    rm -rf "$STATE"
    log "removed $STATE"
  fi
}

cmd_status() {
  local name file pid
  for name in munged:"$MUNGE/munged.pid" mariadbd:"$DB/mariadbd.pid" slurmdbd:"$RUN/slurmdbd.pid" \
    slurmctld:"$RUN/slurmctld.pid" slurmd:"$RUN/slurmd.pid"; do
    file=${name#*:} name=${name%%:*}
    if pid=$(pid_of "$name" "$file"); then log "$name: running (pid $pid)"; else log "$name: stopped"; fi
  done
  if [[ $(all_running) != 5/5 ]]; then log "not running (state $STATE)"; return 1; fi
  sinfo
  squeue
  cmd_env
}

cmd_env() { printf 'export SLURM_CONF=%q\n' "$CONF"; }

case "${1:-}" in
  start) shift; [[ $# -eq 0 ]] || die "start takes no options"; cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
