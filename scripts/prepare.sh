#!/usr/bin/env bash
# Everything `pulumi up` needs on this machine for STACK: npm packages, the Pulumi toolchain
# (built offline when missing), a Docker daemon, the stack's base image, and the RuVector artifact
# the Patroni image copies (built from crates.io when missing: ~25 min cold, cached after).
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-dev}"
[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
[ -d policies/node_modules/@pulumi/policy ] || (cd policies && npm ci --no-audit --no-fund)
bash scripts/bootstrap-docker.sh
base_image="$(node --import tsx scripts/stack-setting.ts "$stack" baseImage)"
bash scripts/ensure-base-image.sh "$base_image"
# Cold, the RuVector build (cargo, CPU-bound) and the toolchain build (much of it Go module downloads)
# overlap: on 2026-12-02 here, one after the other they took 1603 s (toolchain) + 662 s (RuVector).
# Warm, both are no-ops in about a second.
bash scripts/build-ruvector.sh "$base_image" &
ruvector=$!
toolchain_status=0
bash scripts/bootstrap-toolchain.sh || toolchain_status=$?
ruvector_status=0
wait "$ruvector" || ruvector_status=$?
[ "$toolchain_status" = 0 ] || { echo "prepare: the Pulumi toolchain build failed (above)" >&2; exit "$toolchain_status"; }
[ "$ruvector_status" = 0 ] || { echo "prepare: the RuVector build failed (above)" >&2; exit "$ruvector_status"; }
