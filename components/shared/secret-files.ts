// Files that hold secrets (passwords, the backup passphrase, private keys) must be readable by
// their service only. The docker provider uploads every file as root with mode 0644 (its tar
// header carries no owner), so a container that gets secret files starts as root with just the
// capabilities to hand them over (CHOWN, SETUID, SETGID), makes each one <service user> 0600,
// and then runs the image's own entrypoint (dumb-init first) as that user through setpriv: no
// root process stays behind, and the service runs unprivileged with no capabilities, as before.
//
// Docker drops an image's CMD when a container overrides its ENTRYPOINT, so a container that gets
// these settings must name its command itself (secretFilesSettings asks for it).
//
// `docker exec` into such a container runs as root without DAC_OVERRIDE, so it cannot read the
// secret files: operators and tests exec as the service user (`docker exec -u postgres ...`).

/** The wrapper: own every listed file, then drop to the user and exec the rest. POSIX sh, no image change needed. */
export const SECRET_FILES_SCRIPT = [
  "set -eu",
  'user="$1"; shift',
  'while [ "$1" != "--" ]; do',
  // chown to root first: root may chmod only files it owns (no CAP_FOWNER), e.g. on a restart.
  '  chown 0:0 "$1"; chmod 0600 "$1"; chown "$user:$user" "$1"; shift',
  "done",
  "shift",
  // Docker set HOME=/root for the root start; libpq (replicas' pg_basebackup) reads ~/.postgresql and fails on /root.
  'HOME="$(getent passwd "$user" | cut -d: -f6)"; USER="$user"; LOGNAME="$user"; export HOME USER LOGNAME',
  'exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"',
].join("\n");

export interface SecretFilesArgs {
  /** Service user (and group of the same name) that owns the files and runs the service. */
  user: string;
  /** Absolute paths of uploaded files that hold secrets. */
  files: string[];
  /** The image's ENTRYPOINT after its `dumb-init --`, run after the hand-over. */
  entrypoint: string[];
  /** The service's command: the image's CMD is dropped once the entrypoint is overridden. */
  command: string[];
}

/** Container settings that start as root, hand the secret files to the service user, and drop to it. */
export function secretFilesSettings(args: SecretFilesArgs) {
  for (const f of args.files) {
    if (!f.startsWith("/") || f.includes("--")) throw new Error(`secret file path must be absolute: ${f}`);
  }
  return {
    user: "root",
    // The hand-over runs first and execs dumb-init as the service user: no root process stays behind.
    entrypoints: ["/bin/sh", "-c", SECRET_FILES_SCRIPT, "dpg-secret-files", args.user, ...args.files, "--", "dumb-init", "--", ...args.entrypoint],
    // Only what the hand-over needs; setpriv's switch to a non-root uid clears them for the service.
    command: args.command,
    capabilities: { drops: ["ALL"], adds: ["CHOWN", "SETUID", "SETGID"] },
  };
}
