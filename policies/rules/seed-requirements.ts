// What the seeds require of the database software, declared once for the static rule (vector-extension)
// and the live judges (000-DB-01/02, 001-DB-01/02): 000 critical "PostgreSQL 15.0+ with RuVector 2.0+",
// 001 "PostgreSQL 15+ installed" and "RuVector 2.0.0 extension loaded".
export const SEED_DATABASE = {
    /** PostgreSQL 15.0 as `server_version_num` reports it (major × 10000 + minor). */
    minServerVersionNum: 150000,
    /** The extension the seeds verify with `SELECT … FROM pg_extension WHERE extname = 'ruvector'`. */
    vectorExtension: "ruvector",
    minVectorVersion: "2.0.0",
} as const;
