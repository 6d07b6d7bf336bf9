#!/usr/bin/env bash
# npm test: everything from a fresh machine. Installs npm packages, builds the Pulumi toolchain
# offline if missing, starts dockerd if none runs, makes the base image, then runs the unit,
# golden, real-tool and e2e tests in one node test run (so one summary line counts them all).
# The e2e tests never skip: a missing prerequisite fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bash scripts/prepare.sh dev
# The e2e tests connect with libpq's own verify-full, as an operator would.
command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
# The HTML readiness report is rendered in a real browser (test/e2e/report-browser.test.ts): Debian's
# chromium, ~155 MB with its recommends; installing it took 64 s here on 2026-12-01 (apt lists present).
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
prepared=$SECONDS
source scripts/env.sh
dpg_require_passphrase dev

stop_docker() { bash scripts/stop-docker.sh || true; }
trap stop_docker EXIT

# Fast unit tests first, then the e2e tests against real containers.
mapfile -t files < <(find test/unit -name '*.test.ts' | sort; find test/e2e -name '*.test.ts' | sort)
echo "[test] preparation took $((prepared - started)) s; running ${#files[@]} test files"
status=0
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
echo "[test] total $((SECONDS - started)) s"
exit $status
