#!/usr/bin/env bash
# stop-docker.sh — stop dockerd only if scripts/bootstrap-docker.sh started it.
#
# A daemon that was running before bootstrap (no marker file) is left alone.
# Set DPG_KEEP_DOCKER=1 to skip stopping even our own daemon (e.g. on a dev machine).
set -euo pipefail

STATE_DIR="${DPG_DOCKER_STATE_DIR:-/run/dpg-cluster-docker}"
PID_FILE="$STATE_DIR/dockerd.pid"
STOP_WAIT_SECS="${DPG_DOCKER_STOP_WAIT_SECS:-45}"

log() { echo "[stop-docker] $*" >&2; }

if [ "${DPG_KEEP_DOCKER:-0}" = 1 ]; then log "DPG_KEEP_DOCKER=1: leaving dockerd running"; exit 0; fi
if [ ! -f "$PID_FILE" ]; then log "no $PID_FILE: dockerd was not started by bootstrap-docker.sh; leaving it alone"; exit 0; fi

SUDO=()
[ "$(id -u)" -ne 0 ] && SUDO=(sudo -n)

pid=$(cat "$PID_FILE" 2>/dev/null || true)
if [ -z "$pid" ] || [ "$(cat /proc/"$pid"/comm 2>/dev/null)" != dockerd ]; then
  log "pid '$pid' from $PID_FILE is not a running dockerd; removing stale marker"
  "${SUDO[@]}" rm -f "$PID_FILE"
  exit 0
fi

log "stopping dockerd pid $pid (SIGTERM; containers get their stop timeout)"
"${SUDO[@]}" kill -TERM "$pid"
deadline=$(( $(date +%s) + STOP_WAIT_SECS ))
while [ -d /proc/"$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = dockerd ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "dockerd still alive after ${STOP_WAIT_SECS}s: SIGKILL"
    "${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 0.5
done
"${SUDO[@]}" rm -f "$PID_FILE" "$STATE_DIR/started-at"
log "dockerd stopped"
