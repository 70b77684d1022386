/**
 * Compose model → YAML text. Pure and deterministic (key order is the model's).
 * YAML 1.1 quoting, so docker-compose v1 (PyYAML) reads "no" and "on" as strings, not booleans.
 */
import { stringify } from "yaml";
import type { ComposeSpec } from "./compose-spec.js";

export function composeYaml(spec: ComposeSpec, header: string): string {
  const body = stringify(spec, { lineWidth: 0, indent: 2, aliasDuplicateObjects: false, version: "1.1" });
  return `${header
    .split("\n")
    .map((l) => `# ${l}`.trimEnd())
    .join("\n")}\n${body}`;
}
