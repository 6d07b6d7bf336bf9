# Sourced by every entry point (up, destroy, test, readiness): one place that says where the
# toolchain, the plugin cache, the state and the passphrase come from.
# shellcheck shell=bash
DPG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DPG_ROOT

# Versions come from package.json so the SDKs and the engine/providers cannot drift apart.
dpg_pkg_version() { node -p "require('$DPG_ROOT/package.json').dependencies['$1'].replace(/^[^0-9]*/, '')"; }
DPG_PULUMI_VERSION="$(dpg_pkg_version @pulumi/pulumi)"
export DPG_PULUMI_VERSION

# Toolchain binaries are cached outside the repo, keyed by engine version; each binary also
# records a hash of its build recipe, so a recipe change rebuilds just that binary.
DPG_CACHE="${DPG_CACHE:-$HOME/.cache/dpg-cluster}"
export DPG_CACHE
export DPG_TOOLCHAIN_BIN="$DPG_CACHE/toolchain/pulumi-$DPG_PULUMI_VERSION/bin"

# Plugin cache: providers are installed here by the bootstrap, never downloaded at run time.
export PULUMI_HOME="${PULUMI_HOME:-$DPG_CACHE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true

# Local file backend inside the repo (git-ignored), unless the operator points elsewhere.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$DPG_ROOT/.state}"
mkdir -p "$DPG_ROOT/.state"

# Dev-only default passphrase; prod refuses to run without one set by the operator.
dpg_require_passphrase() {
  local stack="$1"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    if [ "$stack" = "prod" ]; then
      echo "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) must be set for the prod stack." >&2
      return 1
    fi
    export PULUMI_CONFIG_PASSPHRASE="dpg-dev-only-passphrase"
  fi
}

# Containers cannot be given more open files than dockerd's own hard limit (see
# components/shared/docker.ts nofileLimit); tell the program what this host allows.
if dockerd_pid="$(pidof dockerd 2>/dev/null)" && [ -n "$dockerd_pid" ]; then
  DPG_DOCKER_NOFILE_MAX="$(awk '/Max open files/ {print $5}' "/proc/${dockerd_pid%% *}/limits" 2>/dev/null || true)"
  export DPG_DOCKER_NOFILE_MAX
fi

if [ -x "$DPG_TOOLCHAIN_BIN/pulumi" ]; then
  export PATH="$DPG_TOOLCHAIN_BIN:$PATH"
fi
