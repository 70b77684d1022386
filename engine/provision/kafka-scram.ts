/**
 * The SCRAM user of Kafka's external listener. Created through the broker's internal listener
 * inside its container (the external one already demands the credential), with the password
 * on stdin into a temporary file: never on a command line, where `ps` would show it.
 * Setting it again is harmless (Kafka re-salts it), so every provision run makes it match the
 * install's secret, including after `helk reconfigure` turns SASL on.
 */

import { type KafkaAccess, LOCAL_SCRAM_MECHANISM } from "../../compose/kafka-access.js";
import { dockerCli } from "../docker/docker-cli.js";
import { kafkaClient } from "../kafka-client.js";

const SCRIPT = [
  'f=$(mktemp); trap \'rm -f "$f"\' EXIT; cat >"$f"',
  '/opt/kafka/bin/kafka-configs.sh --bootstrap-server localhost:19092 --alter --entity-type users --entity-name "$1" --add-config-file "$f"',
].join("; ");

export async function ensureScramUser(container: string, username: string, password: string): Promise<void> {
  const r = await dockerCli(["exec", "-i", container, "bash", "-c", SCRIPT, "helk-scram", username], {
    input: `${LOCAL_SCRAM_MECHANISM}=password=${password}\n`,
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0) {
    const out = r.output.replaceAll(password, "***").trim().split("\n").slice(-3).join(" ");
    throw new Error(`setting the SCRAM credential of ${username} failed (exit ${r.exitCode}): ${out}`);
  }
}

/** Does the install's credential log in already? Then there is nothing to set. */
export async function saslLoginWorks(access: KafkaAccess): Promise<boolean> {
  const admin = kafkaClient(access, "helk-provision", { retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch (err) {
    if ((err as Error).name === "KafkaJSSASLAuthenticationError") return false;
    throw err;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
