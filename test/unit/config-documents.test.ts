import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { documentedDefaultsText, jsonSchemaText } from "../../compose/config/documents.js";
import { parseConfigText, resolveConfig } from "../../compose/config/resolve.js";

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), "utf8");

describe("committed config documents match the zod schema (run `npm run gen:schema` after changing it)", () => {
  it("helk.config.json is the documented defaults", () => {
    expect(read("helk.config.json")).toBe(documentedDefaultsText());
  });
  it("helk.config.schema.json is the generated JSON Schema", () => {
    expect(read("helk.config.schema.json")).toBe(jsonSchemaText());
  });
  it("helk.config.json validates", () => {
    const layer = parseConfigText(read("helk.config.json"), "helk.config.json").layer!;
    expect(resolveConfig([layer]).errors).toEqual([]);
  });
  it("the JSON Schema documents every top-level setting with a description", () => {
    const schema = JSON.parse(read("helk.config.schema.json")) as { properties: Record<string, { description?: string }> };
    for (const [key, prop] of Object.entries(schema.properties)) expect(prop.description, key).toBeTruthy();
  });
});
