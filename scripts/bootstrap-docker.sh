#!/usr/bin/env bash
# bootstrap-docker.sh — make sure a Docker daemon answers `docker info`.
#
#   * If `docker info` already works, use that daemon and exit at once (<1 s).
#   * Otherwise install what is missing from the Debian mirror (docker.io, debootstrap;
#     `apt-get update` only when the package lists cannot provide them), start `dockerd`
#     in the background (there is no systemd) and wait, bounded, until it answers.
#
# When this script starts dockerd it records the pid in "$DPG_DOCKER_STATE_DIR/dockerd.pid";
# scripts/stop-docker.sh stops dockerd only when that marker exists, so a daemon that
# was already running (a developer's, a CI runner's) is never touched.
#
# Environment:
#   DPG_DOCKER_STATE_DIR   marker/pid/log directory      (default /run/dpg-cluster-docker)
#   DPG_DOCKERD_LOG        dockerd log file              (default $DPG_DOCKER_STATE_DIR/dockerd.log)
#   DPG_DOCKER_WAIT_SECS   max seconds to wait for dockerd (default 60)
#   DPG_DOCKERD_ARGS       extra arguments for dockerd   (default none)
set -euo pipefail

STATE_DIR="${DPG_DOCKER_STATE_DIR:-/run/dpg-cluster-docker}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="${DPG_DOCKERD_LOG:-$STATE_DIR/dockerd.log}"
WAIT_SECS="${DPG_DOCKER_WAIT_SECS:-60}"
[ "$WAIT_SECS" -gt 60 ] 2>/dev/null && WAIT_SECS=60

log() { echo "[bootstrap-docker] $*" >&2; }
t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }

docker_ok() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

# ---- fast path -----------------------------------------------------------------------
if docker_ok; then
  log "docker daemon already answering (server $(timeout 5 docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')); nothing to do ($(elapsed))"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n)
  else log "ERROR: docker is not running and we are not root (and no passwordless sudo)"; exit 1; fi
fi

"${SUDO[@]}" mkdir -p "$STATE_DIR"
# Serialise concurrent bootstraps (parallel test workers) so only one dockerd is started.
exec 9>>"$STATE_DIR/lock"
if ! flock -w 120 9; then log "ERROR: could not take $STATE_DIR/lock within 120 s"; exit 1; fi
if docker_ok; then log "docker daemon came up while waiting for the lock ($(elapsed))"; exit 0; fi

# ---- install what is missing ---------------------------------------------------------
need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v docker >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | sort -u)
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"; }
  lists_have_all=1
  for p in "${need_pkgs[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then lists_have_all=0; fi
  done
  if [ "$lists_have_all" = 0 ]; then
    log "package lists lack ${need_pkgs[*]}: apt-get update"
    "${SUDO[@]}" apt-get update -q
  fi
  log "installing ${need_pkgs[*]}"
  if ! apt_install; then
    log "install failed; refreshing package lists and retrying once"
    "${SUDO[@]}" apt-get update -q
    apt_install
  fi
  log "installed ${need_pkgs[*]} ($(elapsed))"
fi

# The package's maintainer scripts normally do not start a daemon here (no init system;
# policy-rc.d), but if something did, use it and do not claim it as ours.
if docker_ok; then log "docker daemon answering after install (not started by this script) ($(elapsed))"; exit 0; fi

# ---- start dockerd -------------------------------------------------------------------
# A marker from an earlier run whose process is gone (reboot, crash) is stale.
if [ -f "$PID_FILE" ]; then
  oldpid=$(cat "$PID_FILE" 2>/dev/null || true)
  if [ -n "$oldpid" ] && [ "$(cat /proc/"$oldpid"/comm 2>/dev/null)" = dockerd ]; then
    log "our dockerd (pid $oldpid) is alive but not answering yet; waiting for it"
  else
    "${SUDO[@]}" rm -f "$PID_FILE"
  fi
fi
# dockerd refuses to start while /var/run/docker.pid names a live process; drop a stale one.
if [ -f /var/run/docker.pid ]; then
  dpid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -z "$dpid" ] || [ "$(cat /proc/"$dpid"/comm 2>/dev/null)" != dockerd ]; then
    "${SUDO[@]}" rm -f /var/run/docker.pid
  fi
fi

if [ ! -f "$PID_FILE" ]; then
  log "starting dockerd (log: $LOG_FILE)"
  # setsid: own session, so the daemon outlives the caller's process group / terminal.
  if [ "${#SUDO[@]}" -eq 0 ]; then
    # shellcheck disable=SC2086
    setsid dockerd ${DPG_DOCKERD_ARGS:-} </dev/null >>"$LOG_FILE" 2>&1 &
    echo "$!" >"$PID_FILE"
  else
    # under sudo $! would be sudo's pid: dockerd's own /var/run/docker.pid is copied below
    # shellcheck disable=SC2086
    "${SUDO[@]}" sh -c 'exec setsid dockerd "$@" </dev/null >>"$0" 2>&1' "$LOG_FILE" ${DPG_DOCKERD_ARGS:-} &
  fi
  date -u +%FT%TZ | "${SUDO[@]}" tee "$STATE_DIR/started-at" >/dev/null
fi

# ---- wait (bounded) --------------------------------------------------------------------
deadline=$(( $(date +%s) + WAIT_SECS ))
while ! docker_ok; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "ERROR: dockerd did not answer within ${WAIT_SECS}s; last log lines:"
    tail -n 30 "$LOG_FILE" >&2 || true
    exit 1
  fi
  p=$(cat "$PID_FILE" 2>/dev/null || true)
  if [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null; then
    log "ERROR: dockerd (pid $p) exited; last log lines:"
    tail -n 30 "$LOG_FILE" >&2 || true
    "${SUDO[@]}" rm -f "$PID_FILE"
    exit 1
  fi
  sleep 0.5
done
# Started through sudo: $! was sudo's pid, so take dockerd's own pidfile instead.
if [ ! -s "$PID_FILE" ] && [ -s /var/run/docker.pid ]; then "${SUDO[@]}" cp /var/run/docker.pid "$PID_FILE"; fi
log "dockerd $(docker version --format '{{.Server.Version}}' 2>/dev/null) answering, pid $(cat "$PID_FILE") ($(elapsed))"
