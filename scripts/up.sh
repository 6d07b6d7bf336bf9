#!/usr/bin/env bash
# npm run up [-- STACK]: prepare the machine, then `pulumi up` STACK (default dev) on the local
# file backend, with the readiness pack attached (advisory on dev, blockers mandatory on prod).
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
bash scripts/prepare.sh "$stack"
source scripts/env.sh
dpg_require_passphrase "$stack"
pulumi stack select --create --non-interactive "$stack" >/dev/null
# The readiness pack runs with every up: advisory on dev, blockers mandatory on prod, so an
# unsafe prod config is refused before anything is created.
environment="$(node --import tsx scripts/stack-setting.ts "$stack" environment)"
started=$SECONDS
pulumi up --yes --non-interactive --stack "$stack" \
  --policy-pack policies --policy-pack-config "policies/config/$environment.json" "${@:2}"
echo "pulumi up of $stack took $((SECONDS - started)) s; endpoints: pulumi stack output --stack $stack"
