#!/bin/sh
# Make the data volume usable by PostgreSQL, then exec the command (normally Patroni).
# PostgreSQL insists on a 0700 data directory owned by the server user. Patroni's data_dir
# should be a SUBDIRECTORY of the volume ($PGDATA=/var/lib/postgresql/data/pgdata): a mount
# point cannot be removed/re-created when Patroni re-initialises a replica.
set -eu
DATA_ROOT="${DATA_ROOT:-/var/lib/postgresql/data}"

if [ "$(id -u)" = 0 ]; then
  # Started as root (e.g. a root-owned bind mount): fix ownership, then drop to postgres.
  mkdir -p "$DATA_ROOT" /var/run/postgresql
  chown postgres:postgres "$DATA_ROOT" /var/run/postgresql
  chmod 0700 "$DATA_ROOT"
  if [ -d "${PGDATA:-}" ] && [ "$(stat -c %U "$PGDATA")" != postgres ]; then chown -R postgres:postgres "$PGDATA"; fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups /bin/sh "$0" "$@"
fi

for d in "$DATA_ROOT" "${PGDATA:-}"; do
  [ -n "$d" ] && [ -d "$d" ] && [ -O "$d" ] && chmod 0700 "$d" 2>/dev/null || true
done
if [ -d "$DATA_ROOT" ] && [ ! -w "$DATA_ROOT" ]; then
  echo "docker-entrypoint: WARNING: $DATA_ROOT is not writable by $(id -un) (uid $(id -u)); owner: $(stat -c '%U:%G %a' "$DATA_ROOT")" >&2
fi
# TLS material is uploaded root-owned and world-readable (/etc/dpg-tls); PostgreSQL refuses a
# key file that others can read, so the server user keeps a private copy (0600) for itself.
TLS_UPLOADS=/etc/dpg-tls
TLS_DIR="${TLS_DIR:-/var/lib/postgresql/tls}"
leader_url=http://127.0.0.1:8008/primary
if [ -r "$TLS_UPLOADS/server.key" ]; then
  (umask 077 && mkdir -p "$TLS_DIR" && cp "$TLS_UPLOADS/server.key" "$TLS_UPLOADS/server.crt" "$TLS_UPLOADS/ca.crt" "$TLS_DIR/")
  leader_url=https://127.0.0.1:8008/primary
fi
# Scheduled pgBackRest backups (components/backup): only beside Patroni, only when a schedule was
# uploaded. It runs in the background in this process group, so dumb-init's SIGTERM reaches it;
# it checks Patroni's /primary before every run, so only the leader backs up.
BACKUP_SCHEDULE="${BACKUP_SCHEDULE:-/etc/pgbackrest/backup-schedule}"
if [ "${1:-}" = patroni ] && [ "${DPG_BACKUP_SCHEDULER:-1}" = 1 ] && [ -r "$BACKUP_SCHEDULE" ] && command -v pgbackrest >/dev/null 2>&1; then
  # Backup metrics for Prometheus go to the shared node_exporter textfile volume when it is mounted.
  metrics=""
  [ -d /var/lib/dpg-metrics ] && [ -w /var/lib/dpg-metrics ] && metrics="--metrics-file=/var/lib/dpg-metrics/dpg_backup.prom"
  python3 /usr/local/lib/dpg/dpg_backup_scheduler.py run --schedule "$BACKUP_SCHEDULE" --start-delay 30 \
    --leader-url "$leader_url" --cafile "$TLS_DIR/ca.crt" $metrics &
fi
# backup.repository=server (components/backup/server.ts): a node's pgbackrest.conf carries a TLS
# server section; the repository host reaches this node's PostgreSQL through it for backups. Restarted
# if it exits, in this process group like the scheduler.
PGBACKREST_CONF=/etc/pgbackrest/pgbackrest.conf
if [ "${1:-}" = patroni ] && [ -r "$PGBACKREST_CONF" ] && grep -q '^tls-server-address=' "$PGBACKREST_CONF"; then
  (while :; do pgbackrest server; echo "docker-entrypoint: pgbackrest server exited ($?), restarting in 5 s" >&2; sleep 5; done) &
fi
# The repository workload of backup.repository=server: the TLS repository server, and the scheduler
# without a leader check (pgBackRest finds the primary among pg1..pgN itself).
if [ "${1:-}" = pgbackrest-repository ]; then
  if [ -r "$BACKUP_SCHEDULE" ]; then
    metrics=""
    [ -d /var/lib/dpg-metrics ] && [ -w /var/lib/dpg-metrics ] && metrics="--metrics-file=/var/lib/dpg-metrics/dpg_backup.prom"
    python3 /usr/local/lib/dpg/dpg_backup_scheduler.py run --schedule "$BACKUP_SCHEDULE" --start-delay 30 \
      --leader-url "" --initial-retry-minutes 2 $metrics &
  fi
  exec pgbackrest server
fi
exec "$@"
