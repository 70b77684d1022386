import { describe, expect, it } from "vitest";
import { buildComposeModel } from "../../compose/model.js";
import { ON_DEMAND, selectServices } from "../../compose/profiles.js";
import { renderInstallFiles } from "../../compose/render.js";
import { SECRET_KEYS } from "../../compose/secrets.js";
import { COMBINATIONS, comboName, configFor, HOST_IP, renderInput, SECRETS } from "../helpers/fixtures.js";

describe.each(COMBINATIONS.map((c) => ({ ...c, name: comboName(c) })))("compose model: $name", ({ profile, addons }) => {
  const config = configFor(profile, addons);
  const spec = buildComposeModel(renderInput(config));
  const expected = selectServices(profile, addons);

  it("has exactly the profile's services", () => {
    expect(Object.keys(spec.services)).toEqual(expected);
  });

  it("gives every service a healthcheck, restart policy, memory limit, labels and the project network", () => {
    for (const [name, s] of Object.entries(spec.services)) {
      expect(s.healthcheck.test[0], name).toBe("CMD-SHELL");
      expect(s.healthcheck.test[1]?.length, name).toBeGreaterThan(10);
      expect(s.restart, name).toBe(ON_DEMAND.has(name as never) ? "no" : "unless-stopped");
      expect(s.mem_limit, name).toMatch(/^\d+m$/);
      expect(s.labels["org.helk.service"], name).toBe(name);
      expect(s.networks, name).toEqual(["helk"]);
    }
  });

  it("waits only on services that exist, for them to be healthy", () => {
    for (const [name, s] of Object.entries(spec.services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(expected, `${name} depends on ${dep}`).toContain(dep);
        expect(cond.condition).toBe("service_healthy");
      }
    }
  });

  it("declares every named volume it mounts, and keeps data in named volumes", () => {
    const named = Object.values(spec.services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(":")[0]!)
      .filter((v) => !v.startsWith("."));
    for (const v of named) expect(Object.keys(spec.volumes)).toContain(v);
    expect(spec.services.elasticsearch?.volumes).toContain("es-data:/usr/share/elasticsearch/data");
    expect(spec.services.kafka?.volumes).toContain("kafka-data:/var/lib/kafka/data");
  });

  it("publishes Kafka and nginx on hostIp and the admin APIs on loopback only", () => {
    const ports = Object.values(spec.services).flatMap((s) => s.ports ?? []);
    for (const p of ports) expect(p.startsWith(`${HOST_IP}:`) || p.startsWith("127.0.0.1:"), p).toBe(true);
    expect(spec.services.kafka?.ports).toEqual([`${HOST_IP}:9092:9092`]);
    expect(spec.services.elasticsearch?.ports).toEqual(["127.0.0.1:9200:9200"]);
    expect(spec.services.kibana?.ports).toBeUndefined();
  });

  it("runs Kafka in KRaft mode with an internal and an external listener advertised on hostIp", () => {
    const env = spec.services.kafka?.environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`INTERNAL://kafka:19092,EXTERNAL://${HOST_IP}:9092`);
    expect(Object.keys(env).some((k) => k.includes("ZOOKEEPER"))).toBe(false);
  });

  it("keeps every secret out of compose.yaml and .env, and puts them in 0600 files", () => {
    const files = renderInstallFiles(renderInput(config));
    const values = SECRET_KEYS.map((k) => SECRETS[k]).concat("SecretTlsKey0008");
    for (const f of files.filter((f) => !f.path.startsWith("secrets/"))) {
      for (const v of values) expect(f.content.includes(v), `${v} in ${f.path}`).toBe(false);
    }
    for (const f of files.filter((f) => f.path.startsWith("secrets/")))
      expect(f.mode, f.path).toBe(f.path === "secrets/htpasswd" ? 0o644 : 0o600);
    const htpasswd = files.find((f) => f.path === "secrets/htpasswd");
    if (htpasswd) expect(htpasswd.content).toMatch(/^helk:\{SSHA\}[A-Za-z0-9+/=]+\n$/);
    const secretText = files
      .filter((f) => f.path.startsWith("secrets/"))
      .map((f) => f.content)
      .join("\n");
    expect(secretText).toContain(SECRETS.elasticPassword);
  });
});

describe("compose model options", () => {
  it("with security off, no service reads a secret env file and the healthcheck uses no credentials", () => {
    const spec = buildComposeModel(renderInput(configFor("core", [], { security: { enabled: false, kibanaUser: "helk" } })));
    expect(spec.services.elasticsearch?.env_file).toBeUndefined();
    expect(spec.services.elasticsearch?.environment?.["xpack.security.enabled"]).toBe("false");
    expect(spec.services.elasticsearch?.healthcheck.test[1]).not.toContain("ELASTIC_PASSWORD");
    expect(spec.secrets?.htpasswd).toBeUndefined();
  });

  it("gives every Kafka broker's healthcheck JVM a small heap of its own, not the broker's", () => {
    const spec = buildComposeModel(renderInput(configFor("analysis", [], { kafka: { ...configFor("analysis").kafka, brokers: 3 } })));
    const brokers = Object.entries(spec.services).filter(([name]) => /^kafka(-\d)?$/.test(name));
    expect(brokers.length).toBe(3);
    const mib = (opts: string, flag: string): number => Number(new RegExp(`${flag}(\\d+)m`).exec(opts)?.[1]);
    for (const [name, s] of brokers) {
      const check = s.healthcheck.test[1] as string;
      // kafka-run-class.sh takes the heap from KAFKA_HEAP_OPTS, which the container's env sets for the broker.
      const own = /^KAFKA_HEAP_OPTS='([^']+)' \/opt\/kafka\/bin\/kafka-broker-api-versions\.sh /.exec(check);
      expect(own, `${name}: ${check}`).not.toBeNull();
      const brokerHeap = mib(s.environment?.KAFKA_HEAP_OPTS as string, "-Xmx");
      expect(mib(own?.[1] as string, "-Xmx"), name).toBeLessThanOrEqual(64);
      expect(brokerHeap, name).toBeGreaterThan(64);
    }
  });

  it("uses configured images and ports", () => {
    const base = configFor("analysis");
    const config = {
      ...base,
      images: { ...base.images, kafka: "registry.local/kafka:test" },
      ports: { ...base.ports, kafka: 19092, elasticsearch: 19200 },
    };
    const spec = buildComposeModel(renderInput(config));
    expect(spec.services.kafka?.image).toBe("registry.local/kafka:test");
    expect(spec.services.kafka?.ports).toEqual([`${HOST_IP}:19092:9092`]);
    expect(spec.services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toContain(`EXTERNAL://${HOST_IP}:19092`);
    expect(spec.services.elasticsearch?.ports).toEqual(["127.0.0.1:19200:9200"]);
  });

  it("refuses an unresolved hostIp", () => {
    expect(() => buildComposeModel(renderInput(configFor("core", [], { hostIp: "auto" })))).toThrow(/resolved hostIp/);
  });
});
