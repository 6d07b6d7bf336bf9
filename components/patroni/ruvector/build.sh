#!/usr/bin/env bash
# Runs inside the builder container. Builds ruvector-postgres $RUVECTOR_VERSION for PostgreSQL
# $PG_MAJOR from its crates.io source with cargo-pgrx $CARGO_PGRX_VERSION, and leaves only the
# run-time files in /cache/out/<image layout>. /cache persists between runs (cargo registry,
# cargo-pgrx, target dir), so a second build only re-links what changed.
set -euo pipefail
: "${RUVECTOR_VERSION:?}" "${CARGO_PGRX_VERSION:?}" "${PG_MAJOR:=17}"
log() { printf '[ruvector-build] %s\n' "$*" >&2; }
export CARGO_HOME=/cache/cargo-home PGRX_HOME=/cache/pgrx-home CARGO_TARGET_DIR=/cache/target
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" CARGO_NET_RETRY=5 CARGO_TERM_COLOR=never
pg_config="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
crate="ruvector-postgres-${RUVECTOR_VERSION}"
src="/cache/src/${crate}"

# 1. The crate's source, checked against the sha256 the crates.io index publishes for it.
if [ ! -f "$src/Cargo.toml" ]; then
  mkdir -p /cache/src
  index="$(curl -fsSL --retry 3 https://index.crates.io/ru/ve/ruvector-postgres)"
  sum="$(grep -E "\"vers\": *\"${RUVECTOR_VERSION//./\\.}\"" <<<"$index" | sed -n 's/.*"cksum": *"\([0-9a-f]*\)".*/\1/p' || true)"
  [ -n "$sum" ] || { log "ruvector-postgres ${RUVECTOR_VERSION} is not in the crates.io index"; exit 1; }
  curl -fsSL --retry 3 -o "/cache/src/${crate}.crate" "https://static.crates.io/crates/ruvector-postgres/${crate}.crate"
  echo "${sum}  /cache/src/${crate}.crate" | sha256sum -c --quiet
  tar -xzf "/cache/src/${crate}.crate" -C /cache/src
fi
# The pgrx the crate locks must be the cargo-pgrx we build with (pgrx refuses a mismatch anyway).
locked_pgrx="$(grep -A1 '^name = "pgrx"$' "$src/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
[ "$locked_pgrx" = "$CARGO_PGRX_VERSION" ] || { log "crate locks pgrx $locked_pgrx, recipe says $CARGO_PGRX_VERSION"; exit 1; }
default_version="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/ruvector.control")"
sql="$src/sql/ruvector--${default_version}.sql"
[ -f "$sql" ] || { log "the crate ships no $sql for its default_version $default_version"; exit 1; }

# 2. cargo-pgrx at exactly the locked version.
pgrx_bin=/cache/cargo-pgrx/bin/cargo-pgrx
if ! "$pgrx_bin" pgrx --version 2>/dev/null | grep -qF " $CARGO_PGRX_VERSION"; then
  log "building cargo-pgrx $CARGO_PGRX_VERSION"
  cargo install cargo-pgrx --version "$CARGO_PGRX_VERSION" --locked --root /cache/cargo-pgrx
fi
export PATH="/cache/cargo-pgrx/bin:$PATH"
cargo pgrx init "--pg${PG_MAJOR}=${pg_config}" >/dev/null

# 3. The extension, release profile, default features (pg17) only: no embeddings (they download
#    ONNX models at run time), no optional AI modules.
log "cargo pgrx package (ruvector-postgres ${RUVECTOR_VERSION}, pgrx ${CARGO_PGRX_VERSION}, $(rustc --version))"
# cargo pgrx package takes no --locked: fetch first, so a Cargo.lock that needs changes fails here.
rm -rf /cache/package
(cd "$src" && cargo fetch --locked && cargo pgrx package --pg-config "$pg_config" --out-dir /cache/package)
lib="/cache/package$("$pg_config" --pkglibdir)/ruvector.so"
extdir="$("$pg_config" --sharedir)/extension"
control="/cache/package${extdir}/ruvector.control"
[ -f "$lib" ] && [ -f "$control" ] || { log "cargo pgrx package left no ruvector.so / ruvector.control"; exit 1; }

# 4. The install script is the crate's own sql/ruvector--<default_version>.sql (upstream's installer
#    ships that file too; the generated one is empty: the crate's pgrx_embed binary is a stub).
#    Every C symbol it names must exist in the library, or CREATE EXTENSION would fail later.
missing="$(grep -o "'MODULE_PATHNAME', *'[A-Za-z0-9_]*'" "$sql" | sed "s/.*'\([A-Za-z0-9_]*\)'$/\1/" | sort -u \
          | comm -23 - <(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u))"
[ -z "$missing" ] || { log "symbols named by $sql but not in ruvector.so: $missing"; exit 1; }

rm -rf /cache/out; mkdir -p "/cache/out$("$pg_config" --pkglibdir)" "/cache/out${extdir}"
install -m 0755 "$lib" "/cache/out$("$pg_config" --pkglibdir)/ruvector.so"
strip --strip-unneeded "/cache/out$("$pg_config" --pkglibdir)/ruvector.so"
install -m 0644 "$control" "$sql" "/cache/out${extdir}/"
log "run-time files:"; (cd /cache/out && find . -type f -exec ls -l {} \;) >&2
log "shared libraries it needs: $(readelf -d "$lib" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
