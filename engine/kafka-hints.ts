/**
 * What to do when Kafka refuses a client, worded once for every client HELK has: kafkajs
 * (kafka-client.ts) and the status probe's own metadata request (probes/kafka-metadata.ts),
 * which must not load kafkajs. No Kafka client is imported here.
 */
import type { KafkaAccess } from "../compose/kafka-access.js";

/** The broker refused the SASL login. */
export function loginRefusedHint(access: KafkaAccess): string {
  return access.external
    ? `Kafka refused ${access.sasl?.username ?? "the client"}'s SASL login: give the right password in HELK_KAFKA_EXTERNAL_PASSWORD and run \`sudo helk reconfigure\``
    : `Kafka refused ${access.sasl?.username ?? "the client"}'s SASL login: \`sudo helk credentials\` shows the password the install generated`;
}

/**
 * Node's words for a certificate it will not trust: not signed by a CA it was given ("unable to
 * verify the first certificate", "self-signed certificate"), out of date, or not naming the
 * address it was reached at ("does not match certificate's altnames").
 */
const UNTRUSTED = /unable to verify|self[- ]signed|certificate has expired|certificate is not yet valid|altnames|issuer certificate/i;
/**
 * A TLS handshake answered by a listener that does not speak TLS: OpenSSL's words when it reads a
 * plaintext answer, Node's when the listener drops the connection (Kafka's plaintext listener
 * does, reading the ClientHello as a request far over its size limit).
 */
const NOT_TLS = /wrong version number|packet length too long|disconnected before secure TLS connection/i;

/** What to do about a TLS failure of `access`, when `message` (the error's, causes included) names one. */
export function tlsHint(message: string, access: KafkaAccess): string | undefined {
  if (!access.tls) return undefined;
  const trusted = access.tls.caFile ? `the CA in ${access.tls.caFile}` : "this machine's CAs";
  if (UNTRUSTED.test(message))
    return `Kafka's certificate is not one ${trusted} signed for the address HELK used: set kafka.external.tls.caFile to the CA (PEM) that signed the brokers' certificates, and give kafka.external.bootstrap as those certificates name the brokers`;
  if (NOT_TLS.test(message))
    return "Kafka's listener at that address does not seem to speak TLS: give its TLS listener's port in kafka.external.bootstrap, or set kafka.external.tls.enabled to false";
  return undefined;
}

/** The broker closed a connection that sent no login: the listener may want one. */
export const CLOSED_WITHOUT_LOGIN_HINT =
  "Kafka closed the connection: its listener may require SASL (kafka.sasl.enabled in the install); run the command on the install's machine with sudo";
