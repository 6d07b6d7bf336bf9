// Where every container finds the cluster CA, its certificate and its private key: one place for
// the paths the uploads, the service configs and the live checks use.
export const TLS_UPLOAD_DIR = "/etc/dpg-tls";
export const TLS_UPLOAD_FILES = { ca: `${TLS_UPLOAD_DIR}/ca.crt`, cert: `${TLS_UPLOAD_DIR}/server.crt`, key: `${TLS_UPLOAD_DIR}/server.key` } as const;
