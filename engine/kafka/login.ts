/**
 * A SASL login on a probe's Kafka connection: SaslHandshake v1 naming the mechanism, then
 * SaslAuthenticate v1 frames (Kafka's protocol guide, "SASL Authentication Sequence"). PLAIN
 * (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, 7677), the mechanisms KafkaAccess offers. The
 * user name is escaped and the password used as given (no SASLprep), as kafkajs, which replay,
 * verify and provisioning log in with, does: one password works for all of them.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { KafkaSasl } from "../../compose/kafka-access.js";
import { KafkaReader, type KafkaWire, KafkaWriter } from "./wire.js";

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

/** The broker refused the login: the credentials (a wrong password, an unknown user), or the mechanism it lacks. */
export class KafkaLoginRefused extends Error {
  constructor(
    message: string,
    readonly refused: "credentials" | "mechanism" = "credentials",
  ) {
    super(message);
    this.name = "KafkaLoginRefused";
  }
}

async function authenticate(wire: KafkaWire, bytes: Buffer): Promise<Buffer> {
  const r = new KafkaReader(await wire.request(SASL_AUTHENTICATE, 1, new KafkaWriter().bytes(bytes).buffer()));
  const code = r.int16();
  const message = r.string();
  const answer = r.bytes() ?? Buffer.alloc(0);
  if (code !== 0) throw new KafkaLoginRefused(`SASL authentication failed (error ${code}${message ? `: ${message}` : ""})`);
  return answer;
}

/** RFC 5802's saslname: `=` and `,` escaped. */
const saslName = (name: string) => name.replace(/=/g, "=3D").replace(/,/g, "=2C");

/** One SCRAM exchange's proof and the server signature that must come back. */
export async function scramFinal(
  hash: "sha256" | "sha512",
  password: string,
  clientFirstBare: string,
  serverFirst: string,
  clientNonce: string,
): Promise<{ clientFinal: string; serverSignature: Buffer }> {
  const fields = new Map(serverFirst.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  const nonce = fields.get("r") ?? "";
  const salt = Buffer.from(fields.get("s") ?? "", "base64");
  const iterations = Number(fields.get("i"));
  if (!nonce.startsWith(clientNonce) || !salt.length || !Number.isInteger(iterations) || iterations < 1)
    throw new Error(`the broker's SCRAM challenge is malformed: ${serverFirst.slice(0, 80)}`);
  const length = hash === "sha256" ? 32 : 64;
  // Off the main thread: 4,096 rounds of HMAC-SHA-512 would hold the other probes up.
  const salted = await promisify(pbkdf2)(password, salt, iterations, length, hash);
  const hmac = (key: Buffer, text: string) => createHmac(hash, key).update(text).digest();
  const clientKey = hmac(salted, "Client Key");
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(length);
  for (let i = 0; i < length; i++) proof[i] = (clientKey[i] as number) ^ (signature[i] as number);
  return {
    clientFinal: `${withoutProof},p=${proof.toString("base64")}`,
    serverSignature: hmac(hmac(salted, "Server Key"), authMessage),
  };
}

/** Log in on `wire` as `sasl` says; throws KafkaLoginRefused when the broker says no. */
export async function saslLogin(wire: KafkaWire, sasl: KafkaSasl): Promise<void> {
  const mechanism = sasl.mechanism.toUpperCase();
  const handshake = new KafkaReader(await wire.request(SASL_HANDSHAKE, 1, new KafkaWriter().string(mechanism).buffer()));
  const code = handshake.int16();
  const offered = handshake.array((r) => r.string());
  if (code !== 0)
    throw new KafkaLoginRefused(`the broker does not offer SASL ${mechanism} (it offers ${offered.join(", ") || "none"})`, "mechanism");
  if (sasl.mechanism === "plain") {
    await authenticate(wire, Buffer.from(`\0${sasl.username}\0${sasl.password}`, "utf8"));
    return;
  }
  const hash = sasl.mechanism === "scram-sha-256" ? "sha256" : "sha512";
  const clientNonce = randomBytes(24).toString("base64");
  const clientFirstBare = `n=${saslName(sasl.username)},r=${clientNonce}`;
  const serverFirst = (await authenticate(wire, Buffer.from(`n,,${clientFirstBare}`, "utf8"))).toString("utf8");
  const { clientFinal, serverSignature } = await scramFinal(hash, sasl.password, clientFirstBare, serverFirst, clientNonce);
  const serverFinal = (await authenticate(wire, Buffer.from(clientFinal, "utf8"))).toString("utf8");
  if (serverFinal.startsWith("e=")) throw new KafkaLoginRefused(`SASL authentication failed: ${serverFinal.slice(2)}`);
  const verifier = Buffer.from(serverFinal.startsWith("v=") ? serverFinal.slice(2) : "", "base64");
  // The broker proves it knows the password too; a mismatch is not a refusal of ours but a
  // broker that is not the one the login was set on, so it is reported as a failure, not a hint.
  if (verifier.length !== serverSignature.length || !timingSafeEqual(verifier, serverSignature))
    throw new Error("the broker's SCRAM signature does not match: it does not know this user's password");
}
