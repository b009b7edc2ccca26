// A throw-away certificate authority for the local cloud, made with openssl at start-up.
// Clients trust it through NODE_EXTRA_CA_CERTS (child processes) or an explicit `ca` option (in-process).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalTls {
  /** PEM of the CA certificate: what clients must trust. */
  readonly ca: string;
  /** Path of a file holding `ca`, for NODE_EXTRA_CA_CERTS. */
  readonly caPath: string;
  /** Server certificate for localhost and 127.0.0.1, signed by the CA. */
  readonly cert: string;
  readonly key: string;
  /** Removes the folder holding the CA file. */
  readonly dispose: () => void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function createLocalTls(): LocalTls {
  const dir = mkdtempSync(join(tmpdir(), "local-cloud-tls-"));
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=local cloud test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  writeFileSync(
    join(dir, "ext.cnf"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
  );
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
  const tls = {
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    caPath: join(dir, "ca.crt"),
    cert: readFileSync(join(dir, "server.crt"), "utf8"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
  };
  // Only the public CA certificate stays on disk; the keys live in memory from here on.
  for (const name of ["ca.key", "server.key", "server.csr", "server.crt", "ca.srl", "ext.cnf"]) {
    rmSync(join(dir, name), { force: true });
  }
  return { ...tls, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
