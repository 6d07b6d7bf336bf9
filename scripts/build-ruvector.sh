#!/usr/bin/env bash
# build-ruvector.sh [BASE_IMAGE] — make sure the RuVector artifact image the Patroni image copies
# from exists (components/patroni/ruvector.ts names it: dpg/ruvector:<crate version>-<recipe hash>).
#
# Cold: builds components/patroni/ruvector/Dockerfile (Debian trixie's rustc, clang, PostgreSQL 17
# headers), then runs its build.sh with the cache $DPG_CACHE/ruvector-<version>/ mounted: the crate from
# crates.io (checksum from the index), a release build against Debian's pg_config. The run-time files
# (ruvector.so, .control, .sql) become a FROM-scratch image; nothing is written into the repository.
# Warm: the image exists -> nothing to do (about a second). If only the image is gone, the cache
# makes the rebuild a re-link. CARGO_BUILD_JOBS (default 2) bounds the compiler's parallelism.
set -euo pipefail
source "$(dirname "$0")/env.sh"
base_image="${1:-debian:trixie-slim}"
log() { printf '[ruvector] %s\n' "$*" >&2; }

eval "$(node --import tsx "$DPG_ROOT/components/patroni/ruvector.ts" "$base_image")"
if docker image inspect "$RUVECTOR_IMAGE" >/dev/null 2>&1; then
  log "$RUVECTOR_IMAGE present; nothing to do"
  exit 0
fi

started=$SECONDS
cache="$DPG_CACHE/ruvector-$RUVECTOR_VERSION"
mkdir -p "$cache"
recipe="$DPG_ROOT/components/patroni/ruvector"
builder="dpg/ruvector-builder:$(cat "$recipe/Dockerfile" <(echo "$base_image") | sha256sum | cut -c1-12)"
if ! docker image inspect "$builder" >/dev/null 2>&1; then
  log "building $builder (Debian packages: rustc, clang, postgresql-server-dev-17)"
  docker build -q -t "$builder" --build-arg "BASE_IMAGE=$base_image" - < "$recipe/Dockerfile" >/dev/null
fi

# The host's CA bundle, so crates.io is trusted through whatever TLS-inspecting egress the host trusts.
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
ca_mount=()
[ -f "$ca_bundle" ] && ca_mount=(-v "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro")

log "building ruvector-postgres $RUVECTOR_VERSION (pgrx $PGRX_VERSION; cold: ~25 min on 2 cores; log: $cache/build.log)"
docker run --rm --name "dpg-ruvector-build-$$" --label dpg.component=ruvector-build \
  -e "RUVECTOR_VERSION=$RUVECTOR_VERSION" -e "PGRX_VERSION=$PGRX_VERSION" \
  -e "CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}" \
  "${ca_mount[@]}" -v "$cache:/cache" -v "$recipe:/recipe:ro" "$builder" bash /recipe/build.sh > "$cache/build.log" 2>&1 || {
  tail -40 "$cache/build.log" >&2
  log "build failed; full log: $cache/build.log"
  exit 1
}

# The artifact: only the run-time files, at the paths PostgreSQL looks for them.
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp -a "$cache/out/." "$ctx/"
printf 'FROM scratch\nCOPY usr/ /usr/\nLABEL dpg.ruvector.crate=%s dpg.ruvector.extension=%s\n' \
  "$RUVECTOR_VERSION" "$RUVECTOR_EXTENSION_VERSION" > "$ctx/Dockerfile"
docker build -q -t "$RUVECTOR_IMAGE" "$ctx" >/dev/null
log "built $RUVECTOR_IMAGE ($(docker image inspect -f '{{.Size}}' "$RUVECTOR_IMAGE") bytes) in $((SECONDS - started)) s"
