// Pure renderers of `backup.repository: server`: pgBackRest's "dedicated repository host" over its
// TLS protocol (pgBackRest ≥ 2.37). The repository workload owns the repository volume and the
// cipher passphrase, runs `pgbackrest server` and the backup scheduler (pgBackRest runs backups on
// the repository host, reaching pg1..pgN over TLS); every Patroni node runs `pgbackrest server` too
// and pushes/gets WAL to/from the repository host. Both sides authenticate with certificates of the
// cluster CA (components/tls): tls-server-auth admits a client only by its certificate's CN.
import { PGDATA, POSTGRES_PORT } from "../patroni/render";
import type { TlsFilePaths } from "../tls";
import { BackupSettings, localStanzaLines, LOG_PATH, nodeArchivingLines, repositoryLines, SOCKET_DIR, SPOOL_PATH, STANZA } from "./render";

/** pgBackRest's default TLS server port, on the repository and on every node (cluster network only). */
export const PGBACKREST_TLS_PORT = 8432;

/** Container (and DNS, and certificate CN) name of the repository workload. */
export function repositoryHostname(namePrefix: string): string {
  return `${namePrefix}-backup`;
}

export interface ServerTopology {
  /** The repository workload's name: its DNS name and its certificate's CN. */
  repositoryHost: string;
  /** Patroni node names, in order (pg1..pgN): DNS names and certificate CNs. */
  nodes: string[];
  /** Where each container finds the cluster CA, its certificate and key. */
  tls: TlsFilePaths;
}

/** The TLS server every side runs: listens on the cluster network, admits only the named CNs for the stanza. */
function tlsServerLines(t: ServerTopology, clients: string[]): string[] {
  return [
    "tls-server-address=*",
    `tls-server-port=${PGBACKREST_TLS_PORT}`,
    `tls-server-ca-file=${t.tls.ca}`,
    `tls-server-cert-file=${t.tls.cert}`,
    `tls-server-key-file=${t.tls.key}`,
    // A client certificate signed by the cluster CA is not enough: its CN must be listed here.
    ...clients.map((cn) => `tls-server-auth=${cn}=${STANZA}`),
  ];
}

function checkTopology(t: ServerTopology): void {
  const names = [t.repositoryHost, ...t.nodes];
  for (const n of names) if (!/^[A-Za-z0-9.-]+$/.test(n)) throw new Error(`not a host name: ${n}`);
  if (new Set(names).size !== names.length) throw new Error(`repository and node names must differ: ${names.join(", ")}`);
  if (!t.nodes.length) throw new Error("a repository server needs at least one PostgreSQL node");
}

/**
 * pgbackrest.conf of every Patroni node: the repository is remote (repo1-host over TLS), so the
 * node holds no passphrase (pgBackRest encrypts on the repository host; the node only compresses).
 */
export function renderNodeServerConf(s: BackupSettings, t: ServerTopology): string {
  checkTopology(t);
  return [
    "# Rendered by components/backup/server.ts: a Patroni node of backup.repository=server (no passphrase here).",
    "[global]",
    `repo1-host=${t.repositoryHost}`,
    "repo1-host-type=tls",
    `repo1-host-port=${PGBACKREST_TLS_PORT}`,
    `repo1-host-ca-file=${t.tls.ca}`,
    `repo1-host-cert-file=${t.tls.cert}`,
    `repo1-host-key-file=${t.tls.key}`,
    `compress-type=${s.compressType}`,
    `process-max=${s.processMax}`,
    ...nodeArchivingLines(s),
    // The repository host's backup and check commands reach this node's PostgreSQL through this server.
    ...tlsServerLines(t, [t.repositoryHost]),
    ...localStanzaLines(),
  ].join("\n");
}

/**
 * pgbackrest.conf of the repository workload: the repository (local path, encrypted), retention,
 * and every node as pgN-host over TLS; pgBackRest finds the primary among them for each backup.
 */
export function renderRepositoryConf(s: BackupSettings, cipherPass: string, t: ServerTopology): string {
  checkTopology(t);
  return [
    "# Rendered by components/backup/server.ts: the repository workload of backup.repository=server.",
    "[global]",
    ...repositoryLines(s, cipherPass),
    `log-path=${LOG_PATH}`,
    "log-level-file=info",
    "log-level-console=warn",
    // The nodes archive-push and archive-get through this server.
    ...tlsServerLines(t, t.nodes),
    "",
    `[${STANZA}]`,
    ...t.nodes.flatMap((node, i) => [
      `pg${i + 1}-host=${node}`,
      `pg${i + 1}-host-type=tls`,
      `pg${i + 1}-host-port=${PGBACKREST_TLS_PORT}`,
      `pg${i + 1}-host-ca-file=${t.tls.ca}`,
      `pg${i + 1}-host-cert-file=${t.tls.cert}`,
      `pg${i + 1}-host-key-file=${t.tls.key}`,
      `pg${i + 1}-path=${PGDATA}`,
      `pg${i + 1}-socket-path=${SOCKET_DIR}`,
      `pg${i + 1}-port=${POSTGRES_PORT}`,
    ]),
    "",
  ].join("\n");
}
