#!/usr/bin/env bash
# Builds our own bridged Pulumi resource providers from Go modules only
# (no GitHub, no get.pulumi.com):
#   pulumi-resource-random   (hashicorp/terraform-provider-random, plugin framework)
#   pulumi-resource-docker   (kreuzwerker/terraform-provider-docker, SDKv2)
#   pulumi-resource-tls      (hashicorp/terraform-provider-tls, plugin framework)
#   pulumi-resource-command  (our own pulumi-go-provider code: command:local:Command only)
# Each version is read from the installed npm SDK (@pulumi/<name>, its pulumi.version), the one
# place it is declared (package.json pins it): the engine looks a plugin up by the SDK's version.
#
# Usage: scripts/toolchain/build-providers.sh <output bin dir> [random|docker|tls|command ...]
#        scripts/toolchain/build-providers.sh --versions     (prints "name version" per provider)
# Idempotent: a provider whose binary already exists in the bin dir is skipped.
#
# Per bridged provider: compile pulumi-tfgen-X, let it write the Pulumi schema
# and bridge-metadata.json, stamp the version into the schema, then compile
# pulumi-resource-X with those files embedded. Native providers (NATIVE below)
# derive their schema from Go types at run time, so they are one go build.
# Needs go (>= 1.25.11) and node.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 <output bin dir> [random|docker ...] | --versions" >&2
    exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROVIDERS_DIR="$HERE/providers"
REPO_ROOT=$(cd "$HERE/../.." && pwd)

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# go.mod/go.sum are committed: never let a build rewrite them.
export GOFLAGS="$GOFLAGS -mod=readonly"

declare -A NATIVE=([command]=1)
declare -A VERSIONS=()
for dir in "$PROVIDERS_DIR"/*/; do
    name=$(basename "$dir")
    [ -f "$dir/go.mod" ] || continue
    meta="$REPO_ROOT/node_modules/@pulumi/$name/package.json"
    [ -f "$meta" ] || { echo "no $meta: run npm ci first (provider versions come from the npm SDKs)" >&2; exit 1; }
    VERSIONS[$name]=$(node -p 'const m = require(process.argv[1]); (m.pulumi && m.pulumi.version) || m.version' "$meta")
done
if [ "$1" = "--versions" ]; then
    for name in $(printf '%s\n' "${!VERSIONS[@]}" | sort); do echo "$name ${VERSIONS[$name]}"; done
    exit 0
fi
mkdir -p "$1"
BIN=$(cd "$1" && pwd)
shift

build_one() {
    local name=$1 version=${VERSIONS[$1]}
    local dir="$PROVIDERS_DIR/$name"
    local out="$BIN/pulumi-resource-$name"
    local cmd="$dir/cmd/pulumi-resource-$name"
    if [ -x "$out" ]; then
        echo "== $name: $out exists, skipping"
        return 0
    fi
    local ldflags="-s -w -X dpg-cluster/toolchain/providers/$name/pkg/version.Version=$version"
    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/build-provider-$name.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN

    local t0=$SECONDS
    if [ -n "${NATIVE[$name]:-}" ]; then
        echo "== $name $version: building pulumi-resource-$name"
        (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/pulumi-resource-$name" "./cmd/pulumi-resource-$name")
        install_checked "$name" "$version" "$tmp" "$out" "$t0"
        return
    fi

    # The Go code embeds these two generated files, so they must exist before
    # the first compile. bridge-metadata.json is committed (tfgen rewrites it
    # with the same bytes); schema-embed.json is not.
    [ -s "$cmd/bridge-metadata.json" ] || echo '{}' >"$cmd/bridge-metadata.json"
    [ -s "$cmd/schema-embed.json" ] || echo '{}' >"$cmd/schema-embed.json"

    echo "== $name $version: building pulumi-tfgen-$name"
    (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name")
    echo "== $name: generating schema ($((SECONDS - t0))s so far)"
    # Docs/examples conversion needs the pulumi CLI + terraform converter and
    # only adds descriptions; the runtime does not need it.
    "$tmp/pulumi-tfgen-$name" schema --skip-docs --skip-examples --quiet --out "$tmp/gen" >"$tmp/tfgen.log" 2>&1 ||
        { cat "$tmp/tfgen.log" >&2; return 1; }
    cp "$tmp/gen/bridge-metadata.json" "$cmd/bridge-metadata.json"
    # tfgen blanks "version" in schema.json; the plugin should report its own.
    node -e '
        const fs = require("fs");
        const [src, dst, version] = process.argv.slice(1);
        const s = JSON.parse(fs.readFileSync(src, "utf8"));
        s.version = version;
        fs.writeFileSync(dst, JSON.stringify(s, null, 4) + "\n");
    ' "$tmp/gen/schema.json" "$cmd/schema-embed.json" "$version"

    echo "== $name: building pulumi-resource-$name"
    (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/pulumi-resource-$name" "./cmd/pulumi-resource-$name")
    install_checked "$name" "$version" "$tmp" "$out" "$t0"
}

# install_checked NAME VERSION TMPDIR OUT T0: sanity check before installing:
# the plugin knows its version.
install_checked() {
    local name=$1 version=$2 tmp=$3 out=$4 t0=$5 got
    got=$("$tmp/pulumi-resource-$name" -version)
    if [ "$got" != "$version" ]; then
        echo "pulumi-resource-$name -version printed '$got', expected '$version'" >&2
        return 1
    fi
    mv "$tmp/pulumi-resource-$name" "$out"
    echo "== $name: $out ($(du -h "$out" | cut -f1), $((SECONDS - t0))s)"
}

if [ $# -eq 0 ]; then
    set -- random docker tls command
fi
for p in "$@"; do
    if [ -z "${VERSIONS[$p]:-}" ]; then
        echo "unknown provider '$p' (known: ${!VERSIONS[*]})" >&2
        exit 2
    fi
    build_one "$p"
done
