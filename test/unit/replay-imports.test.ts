/**
 * What `helk replay` loads before it reads a line. The Kafka clients' modules compile their
 * option schemas (ajv) when they load: that was most of a small replay's start-up (README,
 * "Replay start-up"). So replay.ts imports no Kafka client statically (a dry run never loads
 * one), and the build leaves out the client modules replay does not use (the admin's and the
 * consumer's, with their schemas). Read from esbuild's graph of the bundle, as the build makes it.
 */
import type { Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { kafkaClientWithoutSideEffects } from "../../scripts/esbuild-plugins.mjs";
import { bundleGraph, staticPackages } from "../helpers/bundle-graph.js";

/** The Kafka client's modules that end up in the bundle's output, relative to its dist/. */
function bundledClientModules(meta: Metafile): string[] {
  const kept = Object.values(meta.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0));
  return kept.map(([path]) => /@platformatic\/kafka\/dist\/(.*)$/.exec(path)?.[1]).filter((p): p is string => Boolean(p));
}

describe("replay's imports", () => {
  it("loads no Kafka client before it sends: a dry run never loads one", async () => {
    const meta = await bundleGraph(["engine/replay/replay.ts"]);
    const loaded = staticPackages(meta, "engine/replay/replay.ts");
    expect(loaded).not.toContain("@platformatic/kafka");
    expect(loaded).not.toContain("kafkajs");
    // The client is still in the bundle, behind the dynamic import.
    expect(Object.keys(meta.inputs).some((p) => p.includes("@platformatic/kafka/dist/clients/producer/"))).toBe(true);
  });

  it("bundles the producer's modules of the Kafka client and leaves out the admin's and the consumer's", async () => {
    const modules = bundledClientModules(await bundleGraph(["engine/replay/kafka-producer.ts"], [kafkaClientWithoutSideEffects]));
    expect(modules).toContain("clients/producer/options.js");
    expect(modules).toContain("protocol/crc32c.js");
    expect(modules.filter((m) => /^clients\/(admin|consumer)\//.test(m))).toEqual([]);
    expect(modules).not.toContain("registries/confluent-schema-registry.js");
  });

  it("would bundle the admin's and the consumer's modules without the plugin (what the plugin is for)", async () => {
    const modules = bundledClientModules(await bundleGraph(["engine/replay/kafka-producer.ts"]));
    expect(modules).toContain("clients/admin/options.js");
    expect(modules).toContain("clients/consumer/options.js");
  });
});
