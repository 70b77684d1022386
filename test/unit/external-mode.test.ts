import { describe, expect, it } from "vitest";
import type { HelkConfig } from "../../compose/config/schema.js";
import { hostElasticsearchAccess } from "../../compose/elasticsearch-access.js";
import { externalModeProblems, kafkaEndpoint } from "../../compose/endpoints.js";
import { hostKafkaAccess } from "../../compose/kafka-access.js";
import { buildComposeModel } from "../../compose/model.js";
import { KAFKA_BROKERS, servicesFor } from "../../compose/profiles.js";
import { portClashes, publishedPorts } from "../../compose/published-ports.js";
import { renderInstallFiles } from "../../compose/render.js";
import { configFor, renderInput, SECRETS } from "../helpers/fixtures.js";

const KAFKA_PW = "ExternalKafkaPw1";
const ES_PW = "ExternalEsPw2";
const secrets = { ...SECRETS, externalKafkaPassword: KAFKA_PW, externalElasticsearchPassword: ES_PW };

function external(profile: HelkConfig["profile"], extra: { tls?: boolean } = {}): HelkConfig {
  const base = configFor(profile);
  return {
    ...base,
    dockerNetwork: "clusters-net",
    kafka: {
      ...base.kafka,
      external: {
        bootstrap: ["10.0.0.11:9093", "10.0.0.12:9093", "10.0.0.13:9093"],
        tls: { enabled: Boolean(extra.tls), ...(extra.tls ? { caFile: "/etc/pki/kafka-ca.pem" } : {}) },
        sasl: { mechanism: "SCRAM-SHA-512", username: "helk" },
      },
    },
    elasticsearch: {
      ...base.elasticsearch,
      external: {
        urls: ["https://10.0.0.20:9200", "https://10.0.0.21:9200/"],
        username: "helk_writer",
        apiKey: false,
        caFile: "/etc/pki/es-ca.pem",
      },
    },
  };
}

const files = (config: HelkConfig) => renderInstallFiles({ ...renderInput(config), secrets });

describe("external mode: the compose model", () => {
  it("starts no Kafka and no Elasticsearch, publishes neither, and waits on neither", () => {
    for (const profile of ["lab", "core", "analysis", "notebook-analysis"] as const) {
      const config = external(profile);
      const spec = buildComposeModel(renderInput(config));
      expect(Object.keys(spec.services), profile).toEqual(servicesFor(config));
      expect(spec.services.kafka).toBeUndefined();
      expect(spec.services.elasticsearch).toBeUndefined();
      // Each one on its own: arrayContaining([a, b]) under `not` would pass with either present.
      const clusters = [...KAFKA_BROKERS, "elasticsearch"];
      const published = publishedPorts(config).map((p) => p.what);
      for (const cluster of clusters) {
        for (const [name, s] of Object.entries(spec.services))
          expect(Object.keys(s.depends_on ?? {}), `${profile}: ${name} waits on`).not.toContain(cluster);
        expect(published, `${profile} publishes`).not.toContain(cluster);
      }
    }
  });

  it("points the join and Logstash at the external clusters, with the login's user but not its password", () => {
    const spec = buildComposeModel(renderInput(external("notebook-analysis", { tls: true })));
    for (const name of ["stream-join", "logstash"]) {
      const env = spec.services[name]?.environment ?? {};
      expect(env, name).toMatchObject({
        HELK_KAFKA_BOOTSTRAP: "10.0.0.11:9093,10.0.0.12:9093,10.0.0.13:9093",
        HELK_KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
        HELK_KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
        HELK_KAFKA_SASL_USERNAME: "helk",
        HELK_KAFKA_CA: "/etc/helk/ca/kafka-ca.pem",
        // Logstash's output takes one host.
        HELK_ES_URL: name === "logstash" ? "https://10.0.0.20:9200" : "https://10.0.0.20:9200,https://10.0.0.21:9200",
        HELK_ES_USER: "helk_writer",
        HELK_ES_CA: "/etc/helk/ca/elasticsearch-ca.pem",
      });
      expect(spec.services[name]?.volumes, name).toEqual(
        expect.arrayContaining([
          "/etc/pki/kafka-ca.pem:/etc/helk/ca/kafka-ca.pem:ro",
          "/etc/pki/es-ca.pem:/etc/helk/ca/elasticsearch-ca.pem:ro",
        ]),
      );
      expect(spec.services[name]?.env_file, name).toEqual([`./secrets/${name}.env`]);
    }
    expect(spec.services.kibana?.environment?.ELASTICSEARCH_HOSTS).toBe('["https://10.0.0.20:9200","https://10.0.0.21:9200"]');
    expect(spec.services["ksqldb-server"]?.environment?.KSQL_BOOTSTRAP_SERVERS).toBe("10.0.0.11:9093,10.0.0.12:9093,10.0.0.13:9093");
  });

  it("attaches every service to the configured Docker network, declared external by its real name", () => {
    const spec = buildComposeModel(renderInput(external("lab")));
    expect(spec.networks.attached).toEqual({ external: true, name: "clusters-net" });
    for (const s of Object.values(spec.services)) expect(s.networks).toEqual(["helk", "attached"]);
  });

  it("puts the operator's passwords only into 0600 env files of the services that log in", () => {
    const out = files(external("notebook-analysis"));
    const holding = out.filter((f) => f.content.includes(KAFKA_PW) || f.content.includes(ES_PW));
    // The notebooks read the external cluster as the operator's user (HELK makes no users there).
    expect(holding.map((f) => f.path).sort()).toEqual([
      "secrets/jupyter.env",
      "secrets/kibana.env",
      "secrets/logstash.env",
      "secrets/stream-join.env",
    ]);
    for (const f of holding) expect(f.mode, f.path).toBe(0o600);
    expect(out.find((f) => f.path === "secrets/stream-join.env")?.content).toBe(
      `HELK_ES_PASSWORD=${ES_PW}\nHELK_KAFKA_SASL_PASSWORD=${KAFKA_PW}\n`,
    );
    expect(out.find((f) => f.path === "secrets/elasticsearch.env")).toBeUndefined();
  });

  it("gives host clients the external brokers with TLS and SASL, and the external nodes with the user", () => {
    const config = external("lab", { tls: true });
    expect(hostKafkaAccess(config, secrets)).toEqual({
      brokers: ["10.0.0.11:9093", "10.0.0.12:9093", "10.0.0.13:9093"],
      external: true,
      sasl: { mechanism: "scram-sha-512", username: "helk", password: KAFKA_PW },
      tls: { caFile: "/etc/pki/kafka-ca.pem" },
    });
    expect(() => hostKafkaAccess(config, SECRETS)).toThrow(/no password was given/);
    expect(hostElasticsearchAccess(config, secrets)).toEqual({
      nodes: ["https://10.0.0.20:9200", "https://10.0.0.21:9200"],
      external: true,
      username: "helk_writer",
      password: ES_PW,
      caFile: "/etc/pki/es-ca.pem",
    });
  });

  it("derives the security protocol from TLS and SASL", () => {
    const base = external("lab");
    const ext = base.kafka.external as NonNullable<HelkConfig["kafka"]["external"]>;
    const proto = (tls: boolean, sasl: boolean) =>
      kafkaEndpoint({
        ...base,
        kafka: {
          ...base.kafka,
          external: { bootstrap: ext.bootstrap, tls: { enabled: tls }, ...(sasl ? { sasl: ext.sasl } : {}) } as typeof ext,
        },
      }).securityProtocol;
    expect([proto(false, false), proto(true, false), proto(false, true), proto(true, true)]).toEqual([
      "PLAINTEXT",
      "SSL",
      "SASL_PLAINTEXT",
      "SASL_SSL",
    ]);
    expect(kafkaEndpoint(configFor("lab"))).toEqual({ external: false, bootstrap: "kafka:19092", securityProtocol: "PLAINTEXT" });
  });

  it("refuses profiles whose Logstash or ksqlDB cannot speak the external cluster's SASL/TLS; lab and the Spark join can", () => {
    expect(externalModeProblems(external("lab", { tls: true }))).toEqual({ refuse: [], warn: [] });
    const core = externalModeProblems(external("core"));
    expect(core.refuse).toEqual([
      expect.stringContaining("Logstash's pipeline reads Kafka without SASL or TLS"),
      expect.stringContaining("Logstash, Kibana and ElastAlert"),
    ]);
    expect(core.warn).toEqual(["Logstash writes to the first of elasticsearch.external.urls only"]);
    expect(externalModeProblems(external("analysis")).refuse).toEqual(
      expect.arrayContaining([expect.stringContaining("ksqlDB reads Kafka")]),
    );
    expect(externalModeProblems(configFor("analysis"))).toEqual({ refuse: [], warn: [] });
  });

  it("gives Logstash one Elasticsearch host and Kibana the operator's user", () => {
    const spec = buildComposeModel(renderInput(external("core")));
    expect(spec.services.logstash?.environment?.HELK_ES_URL).toBe("https://10.0.0.20:9200");
    expect(spec.services.kibana?.environment?.ELASTICSEARCH_USERNAME).toBe("helk_writer");
  });

  it("with an API key: no user, the key only in the join's env file; Logstash and Kibana refused", () => {
    const base = external("lab");
    const config: HelkConfig = {
      ...base,
      elasticsearch: { ...base.elasticsearch, external: { urls: ["http://10.0.0.20:9200"], apiKey: true } },
    };
    const key = "aWQ6a2V5LXdpdGgvc2xhc2grcGx1cz0=";
    const withKey = { ...secrets, externalElasticsearchApiKey: key };
    const spec = buildComposeModel(renderInput(config));
    expect(spec.services["stream-join"]?.environment?.HELK_ES_USER).toBe("");
    const envFile = renderInstallFiles({ ...renderInput(config), secrets: withKey }).find((f) => f.path === "secrets/stream-join.env");
    expect(envFile?.content).toBe(`HELK_ES_API_KEY=${key}\nHELK_KAFKA_SASL_PASSWORD=${KAFKA_PW}\n`);
    expect(hostElasticsearchAccess(config, withKey)).toEqual({ nodes: ["http://10.0.0.20:9200"], external: true, apiKey: key });
    expect(externalModeProblems({ ...config, profile: "core", kafka: { ...config.kafka, external: undefined } }).refuse).toEqual([
      expect.stringContaining("not an API key"),
    ]);
  });
});

describe("three-broker Kafka on this machine (kafka.brokers: 3)", () => {
  const three = (): HelkConfig => {
    const base = configFor("lab");
    return { ...base, kafka: { ...base.kafka, brokers: 3 } };
  };

  it("runs kafka, kafka-2 and kafka-3 as one KRaft quorum with 3 replicas and min.insync.replicas 2", () => {
    const config = three();
    const spec = buildComposeModel(renderInput(config));
    expect(servicesFor(config).slice(0, 3)).toEqual(["kafka", "kafka-2", "kafka-3"]);
    ["kafka", "kafka-2", "kafka-3"].forEach((name, i) => {
      const s = spec.services[name];
      expect(s?.environment, name).toMatchObject({
        KAFKA_NODE_ID: String(i + 1),
        KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093",
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${name}:19092,EXTERNAL://${config.hostIp}:${9092 + i}`,
        KAFKA_DEFAULT_REPLICATION_FACTOR: "3",
        KAFKA_MIN_INSYNC_REPLICAS: "2",
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "2",
      });
      expect(s?.ports).toEqual([`${config.hostIp}:${9092 + i}:9092`]);
      expect(s?.volumes).toEqual([`${i === 0 ? "kafka-data" : `kafka-data-${i + 1}`}:/var/lib/kafka/data`]);
      expect(spec.volumes[i === 0 ? "kafka-data" : `kafka-data-${i + 1}`]).toBeDefined();
    });
    expect(spec.services["stream-join"]?.environment?.HELK_KAFKA_BOOTSTRAP).toBe("kafka:19092,kafka-2:19092,kafka-3:19092");
    expect(Object.keys(spec.services["stream-join"]?.depends_on ?? {})).toEqual(["kafka", "kafka-2", "kafka-3", "elasticsearch"]);
    expect(hostKafkaAccess(config, undefined).brokers).toEqual([9092, 9093, 9094].map((p) => `${config.hostIp}:${p}`));
  });

  it("names a port two services would share", () => {
    const config = three();
    expect(portClashes(config)).toEqual([]);
    expect(portClashes({ ...config, ports: { ...config.ports, jupyter: 9094 } })).toEqual([
      "port 9094 is configured for kafka-3 and jupyter",
    ]);
  });
});
