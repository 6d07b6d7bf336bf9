#!/usr/bin/env bash
# stack-cli.sh SCRIPT.ts ARGS: runs a TypeScript command that talks to a stack (npm run readiness,
# npm run drill, npm run promote) with this repo's Pulumi toolchain and backend on PATH, and the stack's passphrase
# rule (dev has a default, prod must be given).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
script="$1"
shift
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --stack | --from | --to) if [ $((i + 1)) -lt ${#args[@]} ]; then dpg_require_passphrase "${args[$((i + 1))]}"; fi ;;
  esac
done
exec node --import tsx "$script" "$@"
