#!/usr/bin/env bash
# npm run destroy [-- STACK]: remove every container, volume and network of STACK (default dev).
# The stack's state (and its secrets) stay until you also run `pulumi stack rm STACK`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
bash scripts/prepare.sh "$stack"
source scripts/env.sh
dpg_require_passphrase "$stack"
pulumi destroy --yes --non-interactive --stack "$stack" "${@:2}"
