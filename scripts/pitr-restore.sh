#!/usr/bin/env bash
# Point-in-time restore of a stack's cluster into a THROWAWAY COPY (the cluster is not touched).
#
#   scripts/pitr-restore.sh --stack dev --target '2026-11-23 10:15:00+00' --name pitr-check
#   scripts/pitr-restore.sh --stack dev --name pitr-check --cleanup
#
# Starts a container from the cluster's Patroni image on the stack's cluster network with the
# pgBackRest repository volume mounted READ-ONLY (with backup.repository=server: the repository
# server's volume, on its host, and its config without the node and TLS-server lines; on a Swarm the
# copy runs on the node of the repository server's task, through that node's Docker endpoint from
# dpg-cluster:target.nodes, or $DOCKER_HOST when set), restores (pgbackrest restore --type=time
# --target=... --target-action=promote, the backup set chosen by pgBackRest from the target)
# into its own fresh volume <name>-data, and starts PostgreSQL standalone (no Patroni, no
# archiving, no synchronous standbys), then prints how to connect.
#
# Read-only repository: restore and archive-get only read it (locks live in /tmp, the async
# queue in the container's spool). It also guarantees that the promoted copy can never push
# WAL of its own timeline into the cluster's repository; archive_mode is off in the copy as well.
#
# Options:
#   --stack S        Pulumi stack; names come from its namePrefix (default dpg-S)
#   --prefix P       name prefix instead of --stack (network P-cluster, volume P-pgbackrest-repo)
#   --target T       recovery_target_time, with a time zone: '2026-11-23 10:15:00+00'
#   --name N         container name of the copy (its data volume is N-data). Default <prefix>-pitr
#   --config FILE    pgbackrest.conf to use; default: read from the stack's running repository server,
#                    else from a running node
#   --image I        image; default: the image of the stack's Patroni nodes
#   --wait SECONDS   how long to wait for recovery to finish. Default 900
#   --record S       write reports/S/pitr.json (the readiness report's 003-BKP-02 / 000-DB-10 record).
#                    Default: the --stack value; nothing is recorded with --prefix alone
#   --cleanup        remove the copy's container and volume, then exit
set -euo pipefail
cd "$(dirname "$0")/.."

stack="" prefix="" target="" name="" config="" image="" wait_s=900 cleanup=0 record=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --wait) wait_s="$2"; shift 2 ;;
    --record) record="$2"; shift 2 ;;
    --cleanup) cleanup=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "pitr-restore: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "pitr-restore: $*" >&2; exit 1; }

if [ -z "$prefix" ]; then
  [ -n "$stack" ] || die "--stack or --prefix is required"
  prefix="$(sed -n 's/^ *dpg-cluster:namePrefix: *//p' "Pulumi.$stack.yaml" 2>/dev/null | tr -d "\"'" | head -1)"
  prefix="${prefix:-dpg-$stack}"
fi
name="${name:-$prefix-pitr}"
volume="$name-data"
network="$prefix-cluster"
repo="$prefix-pgbackrest-repo"

# On a Swarm the repository volume exists only on the repository server's node: talk to that node's daemon.
if [ -n "$stack" ] && [ -z "${DOCKER_HOST:-}" ]; then
  host="$(node --import tsx scripts/member-host.ts --swarm-only "$stack" "$prefix-backup")" \
    || die "the repository server $prefix-backup of $stack runs on no node with an endpoint: start it, or set DOCKER_HOST to its node's daemon"
  if [ -n "$host" ]; then
    export DOCKER_HOST="$host"
    echo "pitr-restore: the repository server runs on the node of $DOCKER_HOST; the copy runs there"
  fi
fi

if [ "$cleanup" = 1 ]; then
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  echo "pitr-restore: removed $name and $volume"
  exit 0
fi

[ -n "$target" ] || die "--target is required, e.g. --target '2026-11-23 10:15:00+00'"
case "$target" in *[+-][0-9][0-9]|*[+-][0-9][0-9]:[0-9][0-9]|*[+-][0-9][0-9][0-9][0-9]|*UTC|*Z) ;; *) die "--target needs a time zone (e.g. +00): '$target'" ;; esac
docker volume inspect "$repo" >/dev/null 2>&1 || die "no repository volume $repo"
docker network inspect "$network" >/dev/null 2>&1 || die "no network $network"
if docker container inspect "$name" >/dev/null 2>&1 || docker volume inspect "$volume" >/dev/null 2>&1; then
  die "$name or $volume already exists: run with --cleanup first"
fi

# backup.repository=server: the repository workload holds the volume and the passphrase, and runs the
# nodes' image; the copy needs no node at all (they may all be gone). Its config names the nodes as
# pgN-host and carries a TLS server section: the copy keeps only the repository and pg1's local path.
server="$(docker ps --filter "label=dpg.stack=$prefix" --filter label=dpg.component=pgbackrest-repo --format '{{.Names}}' | head -1)"
node="$(docker ps --filter "label=dpg.stack=$prefix" --filter label=dpg.component=patroni --format '{{.Names}}' | sort | head -1)"
source_container="${server:-$node}"
if [ -z "$image" ]; then
  [ -n "$source_container" ] || die "no running repository server or Patroni node of $prefix to take the image from: pass --image"
  image="$(docker inspect -f '{{.Config.Image}}' "$source_container")"
fi
if [ -n "$config" ]; then
  [ -r "$config" ] || die "cannot read $config"
  conf_source=(sh -c 'sed -E "/^pg[0-9]+-host/d; /^pg([2-9]|[0-9]{2,})-/d; /^tls-server-/d" "$1"' sh "$config")
elif [ -n "$server" ]; then
  # The file is postgres-only (0600) in the container, so read it as postgres.
  conf_source=(sh -c 'docker exec -u postgres "$1" cat /etc/pgbackrest/pgbackrest.conf | sed -E "/^pg[0-9]+-host/d; /^pg([2-9]|[0-9]{2,})-/d; /^tls-server-/d"' sh "$server")
else
  [ -n "$node" ] || die "no running Patroni node or repository server of $prefix to read pgbackrest.conf from: pass --config"
  grep_conf="$(docker exec -u postgres "$node" grep -c '^repo1-host=' /etc/pgbackrest/pgbackrest.conf || true)"
  [ "$grep_conf" = 0 ] || die "the nodes of $prefix use a repository server that is not running: start it, or pass --config with its pgbackrest.conf"
  conf_source=(docker exec -u postgres "$node" cat /etc/pgbackrest/pgbackrest.conf)
fi

# The copy waits for its pgbackrest.conf (it carries the repository passphrase, so it goes from
# node to copy through a pipe, never to a file on the host), restores once, then runs postgres.
boot='set -eu
for i in $(seq 1 300); do [ -s /etc/pgbackrest/pgbackrest.conf ] && break; sleep 0.2; done
[ -s /etc/pgbackrest/pgbackrest.conf ] || { echo "no pgbackrest.conf" >&2; exit 1; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p -m 0700 "$PGDATA"
  start=$(date +%s)
  pgbackrest --stanza=main --log-level-console=info --type=time "--target=$PITR_TARGET" \
    --target-action=promote --archive-mode=off restore
  echo "pitr-restore: restore finished in $(( $(date +%s) - start )) s, starting recovery"
fi
# ssl=off: the certificates stay with the cluster; with the restored hostssl-only pg_hba the
# copy then answers only on its local socket (docker exec ... psql).
exec postgres -D "$PGDATA" -c archive_mode=off -c archive_command= -c synchronous_standby_names= \
  -c ssl=off -c cluster_name="$HOSTNAME" -c listen_addresses="*"'

started=$(date +%s)
docker volume create --label "dpg.stack=$prefix" --label dpg.component=pitr-copy "$volume" >/dev/null
docker run -d --name "$name" --hostname "$name" --network "$network" \
  --label "dpg.stack=$prefix" --label dpg.component=pitr-copy \
  -v "$repo:/var/lib/pgbackrest:ro" -v "$volume:/var/lib/postgresql/data" \
  -e "PITR_TARGET=$target" --shm-size 256m --stop-timeout 30 --cap-drop ALL --security-opt no-new-privileges:true \
  "$image" sh -c "$boot" >/dev/null
"${conf_source[@]}" | docker exec -i "$name" sh -c 'umask 077; cat > /etc/pgbackrest/pgbackrest.conf.new && mv /etc/pgbackrest/pgbackrest.conf.new /etc/pgbackrest/pgbackrest.conf'

echo "pitr-restore: restoring $prefix to $target into $name (volume $volume)"
deadline=$((started + wait_s))
while :; do
  if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
    docker logs --tail 40 "$name" >&2 || true
    die "$name stopped before recovery finished (target before the first backup, or after the last archived WAL?)"
  fi
  state="$(docker exec "$name" psql -h /var/run/postgresql -U postgres -d postgres -XAtc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)"
  [ "$state" = f ] && break
  [ "$(date +%s)" -lt "$deadline" ] || { docker logs --tail 40 "$name" >&2; die "recovery did not finish in $wait_s s"; }
  sleep 1
done
seconds=$(( $(date +%s) - started ))
echo "pitr-restore: $name is promoted after $seconds s (restore + WAL replay to $target)"
record="${record:-$stack}"
if [ -n "$record" ]; then
  # The copy's system identifier is the cluster's (restored from its repository): the report checks it.
  sysid="$(docker exec "$name" psql -h /var/run/postgresql -U postgres -d postgres -XAtc 'SELECT system_identifier FROM pg_control_system()')"
  mkdir -p "reports/$record"
  printf '{\n  "stack": "%s",\n  "systemIdentifier": "%s",\n  "at": "%s",\n  "target": "%s",\n  "seconds": %d,\n  "promoted": true\n}\n' \
    "$record" "$sysid" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$seconds" > "reports/$record/pitr.json"
  echo "pitr-restore: recorded reports/$record/pitr.json"
fi
cat <<INFO
Connect:  docker exec -it $name psql -U postgres -d app
          or from the cluster network: host $name port 5432 (the cluster's roles and passwords as of the target time)
Remove:   scripts/pitr-restore.sh --prefix $prefix --name $name --cleanup
INFO
