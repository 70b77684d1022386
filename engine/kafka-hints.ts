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

/** The broker closed a connection that sent no login: the listener may want one. */
export const CLOSED_WITHOUT_LOGIN_HINT =
  "Kafka closed the connection: its listener may require SASL (kafka.sasl.enabled in the install); run the command on the install's machine with sudo";
