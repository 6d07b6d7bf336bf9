#!/usr/bin/env bash
# Runs inside the builder container. Builds ruvector-postgres $RUVECTOR_VERSION for PostgreSQL
# $PG_MAJOR from its crates.io source (pgrx $PGRX_VERSION, as its Cargo.lock pins), and leaves only the
# run-time files in /cache/out/<image layout>. /cache persists between runs (cargo registry, target
# dir), so a second build only re-links what changed.
set -euo pipefail
: "${RUVECTOR_VERSION:?}" "${PGRX_VERSION:?}" "${PG_MAJOR:=17}"
log() { printf '[ruvector-build] %s\n' "$*" >&2; }
export CARGO_HOME=/cache/cargo-home CARGO_TARGET_DIR=/cache/target
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
# The pgrx the crate locks must be the one the recipe was written and checked for.
locked_pgrx="$(grep -A1 '^name = "pgrx"$' "$src/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
[ "$locked_pgrx" = "$PGRX_VERSION" ] || { log "crate locks pgrx $locked_pgrx, recipe says $PGRX_VERSION"; exit 1; }
default_version="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/ruvector.control")"
sql="$src/sql/ruvector--${default_version}.sql"
[ -f "$sql" ] || { log "the crate ships no $sql for its default_version $default_version"; exit 1; }

# 2. pgrx-pg-sys (the version the lock pins) generates its bindings from Debian's PostgreSQL headers,
#    found through this pg_config: what `cargo pgrx init` would record in $PGRX_HOME/config.toml.
export PGRX_PG_CONFIG_PATH="$pg_config"
# pgrx-bindgen pipes the generated bindings through $RUSTFMT only to make them readable; Debian's rustc
# comes without rustfmt, and the compiler does not need them pretty.
export RUSTFMT=/bin/true

# 3. The extension: the release build `cargo pgrx package` starts with (cargo build --lib --release; default
#    features = pg17 only: no embeddings, which download ONNX models at run time, no optional AI modules).
#    The rest of `cargo pgrx package` is schema generation, which recompiles the whole crate in debug to run
#    the crate's pgrx_embed binary; in ruvector-postgres 2.0.x that binary is a stub that emits no SQL
#    (upstream's installer and image ship the hand-written sql/ruvector--<version>.sql), so cargo-pgrx is
#    not built at all: the same library in well under half the cold time.
log "cargo build --lib --release (ruvector-postgres ${RUVECTOR_VERSION}, pgrx ${PGRX_VERSION}, $(rustc --version))"
(cd "$src" && cargo build --locked --lib --release --features "pg${PG_MAJOR}")
lib="$CARGO_TARGET_DIR/release/libruvector_postgres.so"
control="$src/ruvector.control"
extdir="$("$pg_config" --sharedir)/extension"
[ -f "$lib" ] || { log "cargo build left no $lib"; exit 1; }

# 4. The install script is the crate's own sql/ruvector--<default_version>.sql. Every C symbol it names must
#    exist in the library, or CREATE EXTENSION would fail later.
missing="$(grep -o "'MODULE_PATHNAME', *'[A-Za-z0-9_]*'" "$sql" | sed "s/.*'\([A-Za-z0-9_]*\)'$/\1/" | sort -u \
          | comm -23 - <(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u))"
[ -z "$missing" ] || { log "symbols named by $sql but not in ruvector.so: $missing"; exit 1; }

rm -rf /cache/out; mkdir -p "/cache/out$("$pg_config" --pkglibdir)" "/cache/out${extdir}"
install -m 0755 "$lib" "/cache/out$("$pg_config" --pkglibdir)/ruvector.so"  # module_pathname = '$libdir/ruvector'
strip --strip-unneeded "/cache/out$("$pg_config" --pkglibdir)/ruvector.so"
install -m 0644 "$control" "$sql" "/cache/out${extdir}/"
log "run-time files:"; (cd /cache/out && find . -type f -exec ls -l {} \;) >&2
log "shared libraries it needs: $(readelf -d "$lib" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
