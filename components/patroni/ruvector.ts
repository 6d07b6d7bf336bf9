// RuVector (the seeds' vector extension): which crates.io release the node image carries, and the
// name of the small artifact image scripts/build-ruvector.sh builds it into. The Patroni image copies
// the run-time files from that artifact, so its tag changes whenever the artifact's recipe does.
import * as path from "path";
import { imageTag } from "../shared/docker";

/**
 * ruvector-postgres 2.0.4 is the newest release whose control file installs extension version 2.0.0
 * (seed 001: "RuVector 2.0.0 extension loaded"). 2.0.5 and 2.0.6 install '0.3.0'; 2.0.6 also lost
 * 2.0.5's planner guard (upstream ruvnet/RuVector#271, #813). 2.0.3 and 2.0.4 share the same HNSW code.
 */
export const RUVECTOR = {
  crateVersion: "2.0.4",
  /** What `SELECT extversion FROM pg_extension WHERE extname = 'ruvector'` reports. */
  extensionVersion: "2.0.0",
  /** cargo-pgrx must equal the pgrx the crate's Cargo.lock pins. */
  cargoPgrxVersion: "0.12.9",
} as const;

/** The build recipe (builder Dockerfile and the script it runs): its hash is part of the artifact's tag. */
export const RUVECTOR_RECIPE_DIR = path.join(__dirname, "ruvector");

/** "dpg/ruvector:<crate version>-<recipe hash>": FROM scratch, only ruvector.so, .control and .sql. */
export function ruvectorArtifactImage(baseImage: string): string {
  const pins = `${RUVECTOR.crateVersion} ${RUVECTOR.cargoPgrxVersion} ${baseImage}`;
  return `dpg/ruvector:${RUVECTOR.crateVersion}-${imageTag(RUVECTOR_RECIPE_DIR, pins)}`;
}

// `node --import tsx components/patroni/ruvector.ts BASE_IMAGE` prints shell assignments for the build script.
if (require.main === module) {
  const baseImage = process.argv[2];
  if (!baseImage) {
    console.error("usage: ruvector.ts BASE_IMAGE");
    process.exit(2);
  }
  console.log(
    [
      `RUVECTOR_VERSION=${RUVECTOR.crateVersion}`,
      `RUVECTOR_EXTENSION_VERSION=${RUVECTOR.extensionVersion}`,
      `CARGO_PGRX_VERSION=${RUVECTOR.cargoPgrxVersion}`,
      `RUVECTOR_IMAGE=${ruvectorArtifactImage(baseImage)}`,
    ].join("\n"),
  );
}
