/** The committed config documents, as text: defaults and JSON Schema. Pure. */
import { configJsonSchema, defaultConfig } from "./schema.js";

export function documentedDefaultsText(): string {
  return `${JSON.stringify({ $schema: "./helk.config.schema.json", ...defaultConfig() }, null, 2)}\n`;
}

export function jsonSchemaText(): string {
  const schema = { ...configJsonSchema(), title: "HELK configuration" };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
