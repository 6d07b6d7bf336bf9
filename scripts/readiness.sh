#!/usr/bin/env bash
# npm run readiness -- ARGS: the readiness report (policies/report/cli.ts) with this repo's Pulumi
# toolchain and backend on PATH, and the stack's passphrase rule (dev default, prod must be given).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--stack" ] && [ $((i + 1)) -lt ${#args[@]} ]; then dpg_require_passphrase "${args[$((i + 1))]}"; fi
done
exec node --import tsx policies/report/cli.ts "$@"
