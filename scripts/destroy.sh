#!/usr/bin/env bash
# npm run destroy [-- STACK]: remove every container, volume and network of STACK (default dev).
# The stack's state (and its secrets) stay until you also run `pulumi stack rm STACK`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
bash scripts/prepare.sh "$stack"
source scripts/env.sh
dpg_require_passphrase "$stack"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if pulumi destroy --yes --non-interactive --stack "$stack" "${@:2}" 2>&1 | tee "$log"; then exit 0; fi
# On a Swarm the Docker provider deletes a service, then waits for its task's container exactly as long as the
# stop grace period and fails if the container takes that whole time (a PostgreSQL shutdown under load): the
# service is gone by then and its container a moment later, so one more destroy finishes the rest (with a
# refresh first: the provider's delete of a service that is already gone fails too).
if grep -q "error on wait for container" "$log"; then
  echo "[destroy] a task's container outlived the provider's wait (its stop grace period); destroying again" >&2
  sleep 10
  pulumi destroy --refresh --yes --non-interactive --stack "$stack" "${@:2}"
else
  exit 1
fi
