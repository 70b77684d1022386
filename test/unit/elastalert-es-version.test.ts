/**
 * ElastAlert is told the version of the Elasticsearch HELK runs (ES_VERSION), so it does not
 * ask `GET /` at start; for an external cluster HELK does not know it, and says nothing.
 */
import { describe, expect, it } from "vitest";
import type { HelkConfig } from "../../compose/config/schema.js";
import { buildComposeModel } from "../../compose/model.js";
import { configFor, renderInput } from "../helpers/fixtures.js";

const elastalertEnv = (config: HelkConfig) => buildComposeModel(renderInput(config)).services.elastalert?.environment;

describe("ElastAlert's ES_VERSION", () => {
  it("is the tag of the Elasticsearch image HELK runs", () => {
    const config = configFor("lab", ["alerting"]);
    const tag = /:([^:]+)$/.exec(config.images.elasticsearch)?.[1];
    expect(tag).toMatch(/^\d+\.\d+\.\d+$/);
    expect(elastalertEnv(config)).toEqual({ ES_VERSION: tag });
    const other = { ...config, images: { ...config.images, elasticsearch: "registry.local:5000/es:9.1.5" } };
    expect(elastalertEnv(other)).toEqual({ ES_VERSION: "9.1.5" });
  });

  it("is left out when the tag is no version (ElastAlert then asks the node)", () => {
    const config = configFor("lab", ["alerting"]);
    expect(elastalertEnv({ ...config, images: { ...config.images, elasticsearch: "es:latest" } })).toBeUndefined();
  });

  it("is left out for an external cluster", () => {
    const config = configFor("lab", ["alerting"]);
    const ext: HelkConfig = {
      ...config,
      elasticsearch: { ...config.elasticsearch, external: { urls: ["https://10.0.0.21:9200"], username: "helk", apiKey: false } },
    };
    expect(elastalertEnv(ext)).toBeUndefined();
  });
});
