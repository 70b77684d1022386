/**
 * A Kafka cluster (three KRaft nodes, each broker and controller) and an Elasticsearch node that
 * belong to no HELK compose project, for engine tests that install HELK in external mode against
 * clusters it does not own. They run as a compose project of their own on a bridge network with
 * a fixed name, so HELK's compose file can attach to it as an external network. Nothing is
 * published: on Linux the host routes to a bridge network's addresses, so one advertised
 * address per broker (its container IP) serves the host and the attached containers alike.
 */

import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import "./kafkajs-lz4.js";
import { stringify } from "yaml";
import { readHostFacts } from "../../engine/host/host-facts.js";
import { generateClusterId } from "../../engine/secrets.js";
import { ES_FIXTURE, KAFKA_FIXTURE } from "./test-stack.js";

export type BrokerNumber = 1 | 2 | 3;

export interface ExternalClusters {
  /** The compose project name. */
  project: string;
  /** The bridge network the containers are on; attach to it as an external network. */
  network: string;
  /** The brokers' CLIENT listeners, `IP:9092` (SASL_PLAINTEXT with SCRAM-SHA-512 when sasl was asked for; SSL or SASL_SSL with tls). */
  bootstrap: string[];
  /** With tls: the CA that signed the brokers' certificates (PEM), to trust them by. */
  caFile?: string;
  /** `http://IP:9200`. */
  elasticsearchUrl: string;
  /** Graceful stop (controlled shutdown). */
  stopBroker(n: BrokerNumber): Promise<void>;
  /** SIGKILL: no controlled shutdown. */
  killBroker(n: BrokerNumber): Promise<void>;
  /** Starts a stopped or killed broker again and waits until it is healthy. */
  startBroker(n: BrokerNumber): Promise<void>;
  /** Removes the containers, volumes, network and temporary directory; never throws. The network stays while a container of another project is still attached to it. */
  down(): Promise<void>;
}

export interface ExternalClustersOptions {
  name: string;
  /** SCRAM-SHA-512 on the CLIENT listener, with this user created. */
  sasl?: { username: string; password: string };
  /** Elasticsearch security on (HTTP without TLS), with this password for the elastic user. */
  elasticPassword?: string;
  /**
   * TLS on the CLIENT listener (SSL, or SASL_SSL with sasl): each broker's certificate names its
   * address and is signed by a CA of the fixture's own (`caFile`).
   */
  tls?: boolean;
  /** false: no Elasticsearch node (tests of Kafka alone start faster). */
  elasticsearch?: boolean;
}

const BROKERS: readonly BrokerNumber[] = [1, 2, 3];
const UP_TIMEOUT_SECONDS = 240;
const READY_TIMEOUT_MS = 60_000;
const SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;";

/**
 * A /24 of 10.199.0.0/16, which lies outside Docker's default address pools, so the networks
 * compose gives other projects never take it. The third octet comes from the pid so that test
 * files running in parallel start on different subnets; a collision moves on to the next one.
 */
const subnetPrefix = (attempt: number): string => `10.199.${(process.pid + attempt * 41) % 256}`;
const SUBNET_ATTEMPTS = 8;

/**
 * Fixed addresses in the lower half; containers attached later get theirs from the upper half
 * (ip_range), so a broker that is down cannot lose its address to one of them.
 */
const brokerIp = (prefix: string, n: BrokerNumber): string => `${prefix}.${10 + n}`;
const elasticsearchIp = (prefix: string): string => `${prefix}.20`;

const healthcheck = (script: string, interval: string, startPeriod: string) => ({
  test: ["CMD-SHELL", script],
  interval,
  timeout: "20s",
  retries: 30,
  start_period: startPeriod,
});

/** A self-signed CA made with openssl in `dir`: `<name>.key` and `<name>.crt`; the certificate's path. */
export function writeCa(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const crt = join(dir, `${name}.crt`);
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    crt,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
  return crt;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * The CA and each broker's key and certificate (its container address and host name as names),
 * made with openssl in `dir`/tls: the CA's certificate (returned), and `kafka-N.pem` (the key,
 * then the certificate), which Kafka reads as a PEM key store (KIP-651). Made again for each
 * subnet tried.
 */
function writeCertificates(dir: string, prefix: string): string {
  const tls = join(dir, "tls");
  const ca = writeCa(tls, "helk-test-ca");
  for (const n of BROKERS) {
    const name = `kafka-${n}`;
    const file = (ext: string) => join(tls, `${name}.${ext}`);
    openssl(tls, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("key"), "-out", file("csr"), "-subj", `/CN=${name}`]);
    writeFileSync(file("ext"), `subjectAltName=IP:${brokerIp(prefix, n)},DNS:${name}\n`);
    openssl(tls, [
      "x509",
      "-req",
      "-in",
      file("csr"),
      "-CA",
      ca,
      "-CAkey",
      "helk-test-ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      file("crt"),
      "-extfile",
      file("ext"),
    ]);
    // Kafka's container user reads it through the bind mount.
    writeFileSync(file("pem"), readFileSync(file("key"), "utf8") + readFileSync(file("crt"), "utf8"));
    chmodSync(file("pem"), 0o644);
  }
  return ca;
}

function kafkaService(n: BrokerNumber, prefix: string, clusterId: string, network: string, sasl: boolean, tls: boolean) {
  const protocol = `${sasl ? "SASL_" : ""}${tls ? "SSL" : "PLAINTEXT"}`;
  return {
    image: KAFKA_FIXTURE,
    hostname: `kafka-${n}`,
    environment: {
      CLUSTER_ID: clusterId,
      KAFKA_NODE_ID: String(n),
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_CONTROLLER_QUORUM_VOTERS: BROKERS.map((b) => `${b}@kafka-${b}:9093`).join(","),
      KAFKA_LISTENERS: "INTERNAL://:19092,CLIENT://:9092,CONTROLLER://:9093",
      KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka-${n}:19092,CLIENT://${brokerIp(prefix, n)}:9092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: `INTERNAL:PLAINTEXT,CLIENT:${protocol},CONTROLLER:PLAINTEXT`,
      ...(sasl
        ? { KAFKA_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-512", KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___512_SASL_JAAS_CONFIG: SCRAM_JAAS }
        : {}),
      // A PEM key store: the key (unencrypted PKCS#8, so no ssl.key.password), then the certificate.
      // The image's start script checks JKS settings only for listeners named SSL; this one is CLIENT.
      ...(tls
        ? { KAFKA_SSL_KEYSTORE_TYPE: "PEM", KAFKA_SSL_KEYSTORE_LOCATION: "/etc/kafka/tls/server.pem", KAFKA_SSL_CLIENT_AUTH: "none" }
        : {}),
      KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_LOG_DIRS: "/var/lib/kafka/data",
      // What a production cluster runs with, so tests see acks=all and ISR behaviour as HELK would.
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
      KAFKA_DEFAULT_REPLICATION_FACTOR: "3",
      KAFKA_MIN_INSYNC_REPLICAS: "2",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "3",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "2",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      KAFKA_HEAP_OPTS: "-Xms256m -Xmx256m",
    },
    networks: { [network]: { ipv4_address: brokerIp(prefix, n) } },
    ...(tls ? { volumes: [`./tls/kafka-${n}.pem:/etc/kafka/tls/server.pem:ro`] } : {}),
    // Each check is a JVM: every 10 s keeps three of them from eating a 2-core machine.
    healthcheck: healthcheck(
      "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:19092 >/dev/null 2>&1 || exit 1",
      "10s",
      "60s",
    ),
    stop_grace_period: "30s",
  };
}

function elasticsearchService(prefix: string, network: string, secure: boolean) {
  // A container cannot get more open files than the host's hard limit (it would not start).
  const nofile = Math.min(65535, readHostFacts().maxOpenFiles ?? 65535);
  return {
    image: ES_FIXTURE,
    hostname: "elasticsearch",
    environment: {
      "cluster.name": "external-cluster",
      "node.name": "external-1",
      "discovery.type": "single-node",
      "xpack.security.enabled": String(secure),
      "xpack.security.http.ssl.enabled": "false",
      "xpack.license.self_generated.type": "basic",
      ES_JAVA_OPTS: "-Xms512m -Xmx512m",
    },
    ...(secure ? { env_file: ["./elasticsearch.env"] } : {}),
    networks: { [network]: { ipv4_address: elasticsearchIp(prefix) } },
    ulimits: { nofile: { soft: nofile, hard: nofile } },
    healthcheck: healthcheck(
      `curl -fsS ${secure ? '-u "elastic:$$ELASTIC_PASSWORD" ' : ""}"http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null || exit 1`,
      "5s",
      "90s",
    ),
  };
}

function composeYaml(o: ExternalClustersOptions, prefix: string, network: string, clusterId: string): string {
  const services: Record<string, unknown> = Object.fromEntries(
    BROKERS.map((n) => [`kafka-${n}`, kafkaService(n, prefix, clusterId, network, o.sasl !== undefined, o.tls === true)]),
  );
  if (o.elasticsearch !== false) services.elasticsearch = elasticsearchService(prefix, network, o.elasticPassword !== undefined);
  return stringify({
    services,
    networks: {
      [network]: { name: network, driver: "bridge", ipam: { config: [{ subnet: `${prefix}.0/24`, ip_range: `${prefix}.128/25` }] } },
    },
  });
}

/** An env file line compose reads literally: single quotes stop `$` interpolation and `#` comments. */
function envLine(key: string, value: string): string {
  if (/['\n\r]/.test(value)) throw new Error(`${key} cannot hold a single quote or a line break in an env file`);
  return `${key}='${value}'\n`;
}

export async function startExternalClusters(o: ExternalClustersOptions): Promise<ExternalClusters> {
  const project = `helkext-${o.name}-${process.pid}`;
  const network = `${project}-net`;
  const dir = mkdtempSync(join(tmpdir(), `${project}-`));
  const file = join(dir, "compose.yaml");
  const compose = (args: string[], input?: string) =>
    execa("docker", ["compose", "--project-name", project, "--file", file, ...args], {
      reject: false,
      all: true,
      ...(input === undefined ? {} : { input }),
    });
  const down = async (): Promise<void> => {
    try {
      await compose(["down", "--volumes", "--remove-orphans", "--timeout", "5"]);
    } catch {
      // Only a failure to run docker at all gets here; teardown must not hide the test's own outcome.
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (o.elasticPassword !== undefined) {
      writeFileSync(join(dir, "elasticsearch.env"), envLine("ELASTIC_PASSWORD", o.elasticPassword), { mode: 0o600 });
    }
    const clusterId = generateClusterId();
    let prefix = "";
    let caFile: string | undefined;
    for (let attempt = 0; ; attempt++) {
      prefix = subnetPrefix(attempt);
      if (o.tls) caFile = writeCertificates(dir, prefix);
      writeFileSync(file, composeYaml(o, prefix, network, clusterId));
      const up = await compose(["up", "--detach", "--wait", "--wait-timeout", String(UP_TIMEOUT_SECONDS)]);
      if (up.exitCode === 0) break;
      // The network is created before any container, so nothing else exists yet to clean up.
      if (!/overlap/i.test(up.all ?? "") || attempt + 1 >= SUBNET_ATTEMPTS) throw new Error(`docker compose up failed:\n${up.all}`);
    }

    if (o.sasl) {
      // The password travels on stdin into a file only the container sees, never on a command line.
      const script =
        'f=$(mktemp); cat >"$f"; /opt/kafka/bin/kafka-configs.sh --bootstrap-server localhost:19092 --alter --entity-type users ' +
        '--entity-name "$1" --add-config-file "$f"; rc=$?; rm -f "$f"; exit $rc';
      const r = await compose(
        ["exec", "-T", "kafka-1", "bash", "-c", script, "bash", o.sasl.username],
        `SCRAM-SHA-512=password=${o.sasl.password}\n`,
      );
      if (r.exitCode !== 0) throw new Error(`creating SCRAM user ${o.sasl.username} failed:\n${r.all}`);
    }

    const bootstrap = BROKERS.map((n) => `${brokerIp(prefix, n)}:9092`);
    const elasticsearchUrl = `http://${elasticsearchIp(prefix)}:9200`;
    await waitUntilReady(bootstrap, elasticsearchUrl, o, caFile);

    const service = (n: BrokerNumber) => `kafka-${n}`;
    const run = async (what: string, args: string[]) => {
      const r = await compose(args);
      if (r.exitCode !== 0) throw new Error(`${what} failed:\n${r.all}`);
    };
    return {
      project,
      network,
      bootstrap,
      elasticsearchUrl,
      ...(caFile ? { caFile } : {}),
      stopBroker: (n) => run(`stopping kafka-${n}`, ["stop", "--timeout", "30", service(n)]),
      killBroker: (n) => run(`killing kafka-${n}`, ["kill", "--signal", "SIGKILL", service(n)]),
      startBroker: (n) =>
        run(`starting kafka-${n}`, ["up", "--detach", "--no-deps", "--wait", "--wait-timeout", String(UP_TIMEOUT_SECONDS), service(n)]),
      down,
    };
  } catch (err) {
    const logs = await compose(["logs", "--no-color", "--tail", "50"]);
    await down();
    throw new Error(`external clusters ${project} did not start: ${err instanceof Error ? err.message : String(err)}\n${logs.all ?? ""}`);
  }
}

/**
 * Healthy containers are not yet a cluster: each broker only answers for itself. Waits until
 * the metadata lists all three brokers (through the CLIENT listener, as the tests connect,
 * which also proves the SCRAM user) and Elasticsearch answers on the address the tests use.
 */
async function waitUntilReady(bootstrap: string[], elasticsearchUrl: string, o: ExternalClustersOptions, caFile?: string): Promise<void> {
  const sasl: SASLOptions | undefined = o.sasl && { mechanism: "scram-sha-512", ...o.sasl };
  const kafka = new Kafka({
    clientId: "helk-test-external",
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    ...(sasl ? { sasl } : {}),
    ...(caFile ? { ssl: { ca: [readFileSync(caFile, "utf8")] } } : {}),
  });
  const headers: Record<string, string> =
    o.elasticPassword === undefined ? {} : { authorization: `Basic ${Buffer.from(`elastic:${o.elasticPassword}`).toString("base64")}` };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "";
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      // Not `GET /`: the fixture is Elastic's integ-test-zip, which lacks the rest-root module (405).
      const es =
        o.elasticsearch === false
          ? undefined
          : await fetch(`${elasticsearchUrl}/_cluster/health`, { headers, signal: AbortSignal.timeout(5000) });
      if (brokers.length === BROKERS.length && (es?.ok ?? true)) return;
      last = `${brokers.length} brokers registered${es ? `, Elasticsearch answered ${es.status}` : ""}`;
    } catch (err) {
      last = String(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
