#!/usr/bin/env bash
# Everything `pulumi up` needs on this machine for STACK: npm packages, the Pulumi toolchain
# (built offline when missing), a Docker daemon, the stack's base image, and the RuVector artifact
# the Patroni image copies (built from crates.io when missing: ~25 min cold, cached after).
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
[ -d policies/node_modules/@pulumi/policy ] || (cd policies && npm ci --no-audit --no-fund)
bash scripts/bootstrap-toolchain.sh
bash scripts/bootstrap-docker.sh
base_image="$(node --import tsx scripts/stack-setting.ts "$stack" baseImage)"
bash scripts/ensure-base-image.sh "$base_image"
bash scripts/build-ruvector.sh "$base_image"
