#!/usr/bin/env bash
# ensure-base-image.sh [NAME] — make sure the Debian base image NAME exists in the local daemon.
#
#   1. NAME already present locally            -> done.
#   2. `docker pull NAME` (short timeout)       -> done if a registry is reachable.
#   3. otherwise build it offline: debootstrap --variant=minbase SUITE into a temp dir
#      and `tar -c | docker import - NAME`. Nothing is cached in the repository; the
#      temp dir is removed on exit.
#
# NAME defaults to debian:trixie-slim. SUITE is derived from NAME's tag/name
# (trixie|bookworm|bullseye|sid|forky, or 13/12/11; anything else -> trixie).
#
# Environment:
#   DPG_BASE_SUITE       force the Debian suite
#   DPG_DEBIAN_MIRROR    mirror URL (default http://deb.debian.org/debian)
#   DPG_DEBIAN_SECURITY  security mirror URL (default http://deb.debian.org/debian-security)
#   DPG_PULL_TIMEOUT     seconds for the pull attempt (default 15; 0 skips the pull)
#   DPG_TMPDIR           where the rootfs is built (default /var/tmp)
set -euo pipefail

NAME="${1:-debian:trixie-slim}"
MIRROR="${DPG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DPG_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
PULL_TIMEOUT="${DPG_PULL_TIMEOUT:-15}"

log() { echo "[ensure-base-image] $*" >&2; }
t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }

if docker image inspect "$NAME" >/dev/null 2>&1; then
  log "$NAME present locally ($(docker image inspect -f '{{.Id}}' "$NAME" | cut -c1-19)); nothing to do ($(elapsed))"
  exit 0
fi

if [ "$PULL_TIMEOUT" != 0 ]; then
  log "trying docker pull $NAME (timeout ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q "$NAME" >/dev/null 2>&1; then
    log "pulled $NAME ($(elapsed))"
    exit 0
  fi
  log "pull failed (no registry reachable?); building $NAME offline with debootstrap"
fi

# ---- which Debian suite ----------------------------------------------------------------
suite="${DPG_BASE_SUITE:-}"
if [ -z "$suite" ]; then
  ref="${NAME##*/}"                                 # strip registry/namespace
  case "$ref" in *:*) tag="${ref##*:}" ;; *) tag="" ;; esac
  for word in "$tag" "${ref%%:*}"; do
    case "$word" in
      *sid*|*unstable*) suite=sid ;;
      *forky*|14|14[.-]*) suite=forky ;;
      *trixie*|13|13[.-]*) suite=trixie ;;
      *bookworm*|12|12[.-]*) suite=bookworm ;;
      *bullseye*|11|11[.-]*) suite=bullseye ;;
    esac
    [ -n "$suite" ] && break
  done
  suite="${suite:-trixie}"
fi
log "suite: $suite"

SUDO=()
[ "$(id -u)" -ne 0 ] && SUDO=(sudo -n)
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
    || { "${SUDO[@]}" apt-get update -q && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap; }
fi
# Older debootstrap releases lack a script for newer suites; they all follow "sid".
script_arg=()
if [ ! -e "/usr/share/debootstrap/scripts/$suite" ]; then script_arg=(/usr/share/debootstrap/scripts/sid); fi

DIR=$("${SUDO[@]}" mktemp -d "${DPG_TMPDIR:-/var/tmp}/dpg-rootfs.XXXXXX")
cleanup() {
  # debootstrap mounts proc/sys inside the target; never let rm walk into a live mount.
  if [ -n "${DIR:-}" ] && [ -d "$DIR" ]; then
    awk -v d="$DIR" '$2 ~ "^"d"/" {print $2}' /proc/mounts | sort -r | while read -r m; do
      "${SUDO[@]}" umount -l "$m" 2>/dev/null || true
    done
    "${SUDO[@]}" rm -rf --one-file-system "$DIR"
  fi
}
trap cleanup EXIT

t1=$(date +%s%N)
log "debootstrap --variant=minbase $suite $DIR $MIRROR"
"${SUDO[@]}" debootstrap --variant=minbase "$suite" "$DIR" "$MIRROR" "${script_arg[@]}" >"$DIR.debootstrap.log" 2>&1 || {
  log "ERROR: debootstrap failed; last lines:"; tail -n 30 "$DIR.debootstrap.log" >&2; rm -f "$DIR.debootstrap.log"; exit 1; }
rm -f "$DIR.debootstrap.log"
t_debootstrap=$(( ($(date +%s%N) - t1) / 1000000 ))

# ---- trim like the official *-slim images and wire up apt sources ----------------------
"${SUDO[@]}" tee "$DIR/etc/dpkg/dpkg.cfg.d/docker-slim" >/dev/null <<'EOF'
# like debian:*-slim: keep images small (copyright files are kept)
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
"${SUDO[@]}" tee "$DIR/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::GzipIndexes "true";
Acquire::Languages "none";
EOF
echo 'APT::Install-Recommends "false"; APT::Install-Suggests "false";' | "${SUDO[@]}" tee "$DIR/etc/apt/apt.conf.d/docker-no-recommends" >/dev/null
if [ "$suite" = sid ]; then
  echo "deb $MIRROR sid main" | "${SUDO[@]}" tee "$DIR/etc/apt/sources.list" >/dev/null
else
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$MIRROR" "$suite" "$MIRROR" "$suite" "$SECURITY_MIRROR" "$suite" | "${SUDO[@]}" tee "$DIR/etc/apt/sources.list" >/dev/null
fi
# debootstrap fetches only the release suite: apply pending -updates/-security fixes now so
# every image built FROM this base starts patched (DPG_BASE_UPGRADE=0 skips this)
if [ "${DPG_BASE_UPGRADE:-1}" = 1 ] && [ "$suite" != sid ]; then
  t_up=$(date +%s%N)
  uplog="$DIR.upgrade.log"
  if ! { "${SUDO[@]}" chroot "$DIR" apt-get -q -o APT::Sandbox::User=root update \
         && "${SUDO[@]}" chroot "$DIR" env DEBIAN_FRONTEND=noninteractive apt-get -y -q \
              -o APT::Sandbox::User=root -o Dpkg::Options::=--force-confold upgrade \
         && "${SUDO[@]}" chroot "$DIR" apt-get clean; } >"$uplog" 2>&1; then
    log "ERROR: upgrade inside the rootfs failed; last lines:"; tail -n 30 "$uplog" >&2; rm -f "$uplog"; exit 1
  fi
  upgraded=$(awk '/upgraded,/ {print $1}' "$uplog"); rm -f "$uplog"
  log "upgraded ${upgraded:-0} packages from $suite-updates/$suite-security ($(( ($(date +%s%N) - t_up) / 1000000 )) ms)"
fi
# drop what debootstrap leaves behind: package lists, downloaded .debs, logs, docs
"${SUDO[@]}" sh -c "rm -rf '$DIR'/var/lib/apt/lists/* '$DIR'/var/cache/apt/archives/*.deb '$DIR'/var/cache/apt/*.bin \
  '$DIR'/var/log/*.log '$DIR'/var/log/apt/* '$DIR'/usr/share/man/* '$DIR'/usr/share/info/* '$DIR'/usr/share/locale/*; \
  find '$DIR'/usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true"
# host-specific files debootstrap copied in; Docker provides these at run time
: | "${SUDO[@]}" tee "$DIR/etc/machine-id" "$DIR/etc/resolv.conf" >/dev/null
"${SUDO[@]}" rm -f "$DIR/etc/hostname"

# ---- import ----------------------------------------------------------------------------
t2=$(date +%s%N)
size=$("${SUDO[@]}" du -sh --one-file-system "$DIR" | cut -f1)
log "importing rootfs ($size) as $NAME"
"${SUDO[@]}" tar --numeric-owner --xattrs --one-file-system -C "$DIR" -c . \
  | docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV LANG=C.UTF-8' \
      -c 'CMD ["bash"]' \
      -m "debootstrap --variant=minbase $suite $MIRROR ($(date -u +%F))" \
      - "$NAME" >/dev/null
t_import=$(( ($(date +%s%N) - t2) / 1000000 ))
log "built $NAME offline: debootstrap ${t_debootstrap} ms, import ${t_import} ms, total $(elapsed); image $(docker image inspect -f '{{.Size}}' "$NAME" | awk '{printf "%.0f MB", $1/1e6}')"
