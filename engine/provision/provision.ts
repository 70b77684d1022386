/**
 * The provision verb: what HELK puts into its services once they are healthy: Kafka topics,
 * Elasticsearch templates, retention and users, Kibana's saved objects and the ksqlDB
 * Sysmon join.
 */
import { join } from "node:path";
import type { HelkConfig } from "../../compose/config/schema.js";
import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { describeKafkaAccess, hostKafkaAccess } from "../../compose/kafka-access.js";
import type { HelkSecrets } from "../../compose/secrets.js";
import { ExitCode, HelkError } from "../errors.js";
import { imagesDir } from "../host/package-root.js";
import { kafkaClient, kafkaErrorHint } from "../kafka-client.js";
import { readState } from "../secrets.js";
import { provisionElasticsearch } from "./elasticsearch.js";
import { ensureScramUser, saslLoginWorks } from "./kafka-scram.js";
import { provisionTopics } from "./kafka-topics.js";
import { provisionKibana, readSavedObjects, savedObjectsFor } from "./kibana.js";
import { provisionKsqldb, readStatements } from "./ksqldb.js";

export interface ProvisionResult {
  /** What was changed; empty when everything was already as configured. */
  changes: string[];
  /** What could not be applied here and why (no error). */
  notes: string[];
}

/** Where services that are not published on the host are reached (their project-network address). */
export interface ProvisionTargets {
  /** Kibana's container address, e.g. 172.18.0.5; nginx fronts Kibana, so no host port exists. */
  kibanaIp?: string;
  /** Kafka's container, where its SCRAM user is set through the internal listener. */
  kafkaContainer?: string;
}

/** A part of provisioning that failed: what, where, and what to check before running it again. */
function failed(what: string, address: string, hint: string, cause: unknown): HelkError {
  return new HelkError(`provisioning ${what} at ${address} failed: ${(cause as Error).message}`, {
    exitCode: ExitCode.failure,
    hint,
    cause,
  });
}

/** Kafka: the SCRAM user of HELK's own broker when its login does not work yet, then the topics. */
async function kafkaPart(config: HelkConfig, s: HelkSecrets, targets: ProvisionTargets, result: ProvisionResult): Promise<void> {
  const access = hostKafkaAccess(config, s);
  try {
    // HELK sets the SCRAM user of its own broker only; an external cluster's users are its operators'.
    if (access.sasl && !access.external && !(await saslLoginWorks(access))) {
      if (!targets.kafkaContainer) throw new Error("Kafka has no running container to set its SCRAM user in");
      await ensureScramUser(targets.kafkaContainer, access.sasl.username, access.sasl.password);
      result.changes.push(`Kafka SCRAM user ${access.sasl.username} set`);
    }
    const topics = await provisionTopics(kafkaClient(access, "helk-provision", { retry: { retries: 5 } }), config.kafka.topics, {
      external: Boolean(access.external),
    });
    result.changes.push(...topics.changes);
    result.notes.push(...topics.notes);
  } catch (cause) {
    throw failed(
      "Kafka",
      describeKafkaAccess(access),
      kafkaErrorHint(cause, access) ?? "check `helk status`; then run `helk provision` (or `helk install`) again",
      cause,
    );
  }
}

/** Elasticsearch: templates, retention, and (HELK's own cluster with security on) the users. */
async function elasticsearchPart(config: HelkConfig, services: readonly string[], s: HelkSecrets, result: ProvisionResult): Promise<void> {
  const access = hostElasticsearchAccess(config, s);
  try {
    const es = await provisionElasticsearch({
      access,
      manageUsers: !access.external && config.security.enabled,
      users: {
        notebookReader: services.includes("jupyter"),
        ...(services.includes("kibana") ? { analystUser: config.security.kibanaUser } : {}),
      },
      secrets: s,
      retentionDays: config.elasticsearch.retentionDays,
    });
    result.changes.push(...es.changes);
    result.notes.push(...es.notes);
  } catch (cause) {
    throw failed(
      "Elasticsearch",
      access.nodes.join(","),
      "check `helk status`; then run `helk provision` (or `helk install`) again",
      cause,
    );
  }
}

/** Kibana: HELK's saved objects, reached on the project network (nginx fronts it on the host). */
async function kibanaPart(
  config: HelkConfig,
  services: readonly string[],
  s: HelkSecrets,
  targets: ProvisionTargets,
  result: ProvisionResult,
): Promise<void> {
  if (!targets.kibanaIp) {
    throw new HelkError("Kibana has no address on the project network, so its saved objects cannot be imported", {
      exitCode: ExitCode.failure,
      hint: "check `helk status kibana`; then run `helk provision` again",
    });
  }
  const address = `http://${targets.kibanaIp}:5601`;
  try {
    result.changes.push(
      ...(await provisionKibana(
        {
          address,
          ...(config.security.enabled ? { username: "elastic", password: s.elasticPassword } : {}),
          stateFile: join(config.installHome, "state", "kibana-saved-objects.json"),
        },
        savedObjectsFor(readSavedObjects(join(imagesDir("kibana"), "saved-objects")), services),
      )),
    );
  } catch (cause) {
    throw failed("Kibana", address, "check `helk status kibana` and `helk logs kibana`; then run `helk provision` again", cause);
  }
}

/** ksqlDB: HELK's statements, unless the Spark job is this profile's join. */
async function ksqldbPart(config: HelkConfig, services: readonly string[], result: ProvisionResult): Promise<void> {
  // One join engine per install: where the Spark job runs, it writes sysmon-join, and a
  // second engine would index every joined connection twice.
  if (services.includes("stream-join")) {
    result.notes.push("ksqlDB join not applied: the Spark job (stream-join) is this profile's Sysmon join");
    return;
  }
  const address = `http://127.0.0.1:${config.ports.ksqldb}`;
  try {
    result.changes.push(
      ...(await provisionKsqldb(
        { address, stateFile: join(config.installHome, "state", "ksqldb-statements.json") },
        readStatements(join(imagesDir("ksqldb"), "statements")),
      )),
    );
  } catch (cause) {
    throw failed(
      "ksqlDB",
      address,
      "check `helk status ksqldb-server` and `helk logs ksqldb-server`; then run `helk provision` again",
      cause,
    );
  }
}

export async function provision(
  config: HelkConfig,
  services: readonly string[],
  secrets?: HelkSecrets,
  targets: ProvisionTargets = {},
): Promise<ProvisionResult> {
  // Provisioning sets passwords from the install's secrets.
  const s = secrets ?? readState(config.installHome, "provision").secrets;
  const result: ProvisionResult = { changes: [], notes: [] };
  if (services.includes("kafka") || config.kafka.external) await kafkaPart(config, s, targets, result);
  if (services.includes("elasticsearch") || config.elasticsearch.external) await elasticsearchPart(config, services, s, result);
  if (services.includes("kibana")) await kibanaPart(config, services, s, targets, result);
  if (services.includes("ksqldb-server")) await ksqldbPart(config, services, result);
  return result;
}
