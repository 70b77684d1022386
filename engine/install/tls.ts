/**
 * nginx's self-signed certificate, made with the host's openssl. Its names include hostIp,
 * so browsers and Winlogbeat's TLS checks match the address users type. Reused while it
 * still covers hostIp; remade when the address changes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { HelkError } from "../errors.js";

export interface TlsPair {
  cert: string;
  key: string;
}

export async function certificateCovers(certPem: string, hostIp: string): Promise<boolean> {
  const { stdout, exitCode } = await execa("openssl", ["x509", "-noout", "-ext", "subjectAltName"], {
    input: certPem,
    reject: false,
  });
  return exitCode === 0 && stdout.includes(`IP Address:${hostIp}`);
}

/** Reuse the pair in `home` when it covers hostIp, else make a new one. */
export async function ensureTls(home: string, hostIp: string): Promise<{ tls: TlsPair; created: boolean }> {
  const certPath = join(home, "config", "nginx", "tls.crt");
  const keyPath = join(home, "secrets", "tls.key");
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, "utf8");
    if (await certificateCovers(cert, hostIp)) return { tls: { cert, key: readFileSync(keyPath, "utf8") }, created: false };
  }
  return { tls: await makeSelfSigned(hostIp), created: true };
}

export async function makeSelfSigned(hostIp: string): Promise<TlsPair> {
  const dir = mkdtempSync(join(tmpdir(), "helk-tls-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    const result = await execa(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "825",
        "-subj",
        "/O=HELK/CN=helk",
        "-addext",
        `subjectAltName=IP:${hostIp},IP:127.0.0.1,DNS:localhost,DNS:helk`,
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { reject: false },
    );
    if (result.failed) {
      throw new HelkError("could not create the TLS certificate for nginx", {
        hint: "install openssl (apt-get install openssl) and run the command again",
        cause: result.stderr || result.message,
      });
    }
    return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
