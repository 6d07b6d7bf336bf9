#!/usr/bin/env bash
# npm test: everything from a fresh machine. Installs npm packages, builds the Pulumi toolchain
# offline if missing, starts dockerd if none runs, makes the base image, then runs the unit,
# golden, real-tool and e2e tests in two node test runs (one summary each: the files run one at a time, then
# the pair that runs side by side).
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

# Fast unit tests first, then the e2e tests against real containers, one file at a time; last, two long e2e
# files side by side, since each mostly waits (day 2: a writer while the nodes roll; the promotion: two stacks
# and a watch window of minutes), and neither asserts a figure the other's load moves (both passed side by
# side here on 2026-12-02: day 2 in 15 min, the promotion in 13 min). Everything load-sensitive runs alone.
paired=(test/e2e/day2.test.ts test/e2e/promote.test.ts)
mapfile -t files < <(find test/unit -name '*.test.ts' | sort; find test/e2e -name '*.test.ts' | sort | grep -vxF -f <(printf '%s\n' "${paired[@]}"))
echo "[test] preparation took $((prepared - started)) s; running ${#files[@]} test files, then ${#paired[@]} side by side"
status=0
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
echo "[test] one at a time: $((SECONDS - started)) s"
node --import tsx --test --test-concurrency=2 --test-reporter=spec "${paired[@]}" || status=$?
echo "[test] total $((SECONDS - started)) s"
exit $status
