#!/bin/sh
# Starts pgbouncer_exporter with the PgBouncer password read from a file, so the password is
# never in the container's environment (docker inspect) nor on a command line (ps): it is put
# only into this process's own environment, which other users cannot read.
# Settings: PGBOUNCER_HOST, PGBOUNCER_PORT, PGBOUNCER_USER, PGBOUNCER_PASSWORD_FILE, PGBOUNCER_SSL_PARAMS.
set -eu
pass=""
if [ -n "${PGBOUNCER_PASSWORD_FILE:-}" ]; then pass=$(cat "$PGBOUNCER_PASSWORD_FILE"); fi
# URL-encode the password for the connection URI (python3 is in the image).
enc=$(printf '%s' "$pass" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read(), safe=""))')
PGBOUNCER_EXPORTER_CONNECTION_STRING="postgres://${PGBOUNCER_USER}:${enc}@${PGBOUNCER_HOST}:${PGBOUNCER_PORT:-6432}/pgbouncer?${PGBOUNCER_SSL_PARAMS:-sslmode=disable}"
export PGBOUNCER_EXPORTER_CONNECTION_STRING
unset pass enc
exec prometheus-pgbouncer-exporter "$@"
