#!/usr/bin/env bash
# Makes sure a Pulumi CLI, the nodejs language host and the provider plugins this program's
# npm SDKs ask for are available, building them from Go modules when they are not.
# Idempotent: a second run with a warm cache takes about a second.
set -euo pipefail
source "$(dirname "$0")/env.sh"

log() { printf '[toolchain] %s\n' "$*" >&2; }

# Providers the program needs, as "name version" from the installed npm SDKs.
required_plugins() {
  node -e '
    const deps = require(process.argv[1] + "/package.json").dependencies;
    for (const name of Object.keys(deps)) {
      let meta; try { meta = require(process.argv[1] + "/node_modules/" + name + "/package.json"); } catch { continue; }
      if (meta.pulumi && meta.pulumi.resource) console.log(meta.pulumi.name + " " + meta.pulumi.version);
    }' "$DPG_ROOT"
}

plugin_installed() { # name version
  [ -n "$(ls -d "$PULUMI_HOME/plugins/resource-$1-v$2" 2>/dev/null)" ]
}

ambient_pulumi_is_enough() {
  command -v pulumi >/dev/null 2>&1 || return 1
  local have; have="$(pulumi version 2>/dev/null | sed 's/^v//')" || return 1
  # The SDK must not be newer than the engine.
  [ "$(printf '%s\n%s\n' "$DPG_PULUMI_VERSION" "$have" | sort -V | head -1)" = "$DPG_PULUMI_VERSION" ] || return 1
  command -v pulumi-language-nodejs >/dev/null 2>&1 || [ -x "$(dirname "$(readlink -f "$(command -v pulumi)")")/pulumi-language-nodejs" ] || return 1
  local name version
  while read -r name version; do plugin_installed "$name" "$version" || return 1; done < <(required_plugins)
}

# recipe_hash DIR: content hash of a build recipe folder (sources, go.mod, go.sum).
recipe_hash() { (cd "$1" && find . -type f ! -name '*.md' | sort | xargs sha256sum | sha256sum | cut -c1-16); }

# up_to_date BINARY DIR: the binary exists and was built from this recipe.
up_to_date() { [ -x "$1" ] && [ "$(cat "$1.recipe" 2>/dev/null)" = "$(recipe_hash "$2")" ]; }
mark_built() { recipe_hash "$2" > "$1.recipe"; }

go_env() {
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
}

build_cli_and_language_host() {
  local bin="$1" version="v$DPG_PULUMI_VERSION"
  go_env
  local cli_recipe="$DPG_ROOT/scripts/toolchain/cli" lang_recipe="$DPG_ROOT/scripts/toolchain/language-nodejs"
  if ! up_to_date "$bin/pulumi" "$cli_recipe"; then
    log "building the Pulumi CLI $version from github.com/pulumi/pulumi/pkg/v3 (cold: ~6 min on 2 cores)"
    (cd "$DPG_ROOT/scripts/toolchain/cli" && go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv "$bin/pulumi.tmp" "$bin/pulumi"
    mark_built "$bin/pulumi" "$cli_recipe"
  fi
  if ! up_to_date "$bin/pulumi-language-nodejs" "$lang_recipe"; then
    log "building the nodejs language host"
    (cd "$DPG_ROOT/scripts/toolchain/language-nodejs" && go build -trimpath \
      -ldflags "-s -w -X main.version=$DPG_PULUMI_VERSION" -o "$bin/pulumi-language-nodejs.tmp" .)
    mv "$bin/pulumi-language-nodejs.tmp" "$bin/pulumi-language-nodejs"
    mark_built "$bin/pulumi-language-nodejs" "$lang_recipe"
  fi
  # Dynamic providers are run through this bundled shim script shipped in @pulumi/pulumi.
  install -m 0755 "$DPG_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" "$bin/"
}

main() {
  [ -d "$DPG_ROOT/node_modules/@pulumi/pulumi" ] || (cd "$DPG_ROOT" && npm ci --no-audit --no-fund)
  if [ -z "${DPG_FORCE_TOOLCHAIN_BUILD:-}" ] && [ ! -x "$DPG_TOOLCHAIN_BIN/pulumi" ] && ambient_pulumi_is_enough; then
    log "using $(command -v pulumi) ($(pulumi version)) and its installed plugins"
    return 0
  fi
  command -v go >/dev/null || { log "Go is needed to build the toolchain (apt-get install golang, or /usr/local/go)"; exit 1; }
  local started=$SECONDS
  mkdir -p "$DPG_TOOLCHAIN_BIN"
  build_cli_and_language_host "$DPG_TOOLCHAIN_BIN"
  go_env
  bash "$DPG_ROOT/scripts/toolchain/build-providers.sh" "$DPG_TOOLCHAIN_BIN"
  export PATH="$DPG_TOOLCHAIN_BIN:$PATH"
  local name version
  while read -r name version; do
    if ! plugin_installed "$name" "$version"; then
      [ -x "$DPG_TOOLCHAIN_BIN/pulumi-resource-$name" ] || { log "no pulumi-resource-$name was built"; exit 1; }
      log "installing provider $name $version into $PULUMI_HOME"
      pulumi plugin install resource "$name" "$version" --file "$DPG_TOOLCHAIN_BIN/pulumi-resource-$name" >/dev/null
    fi
  done < <(required_plugins)
  log "toolchain ready in $DPG_TOOLCHAIN_BIN ($((SECONDS - started)) s)"
}

main "$@"
