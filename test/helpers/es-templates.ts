/** Which of HELK's index templates Elasticsearch would give an index, for tests that check templates against indices. */
import { type IndexTemplate, indexTemplates } from "../../compose/elasticsearch-templates.js";

/** Would an Elasticsearch index template pattern (with * wildcards) take this index? */
export const patternMatches = (pattern: string, index: string): boolean =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, "\\$&"))
      .join(".*")}$`,
  ).test(index);

/** The template an index gets: the highest priority among those whose patterns match. */
export const templateOf = (index: string): IndexTemplate | undefined =>
  indexTemplates()
    .filter((t) => t.body.index_patterns.some((p) => patternMatches(p, index)))
    .sort((a, b) => b.body.priority - a.body.priority)[0];
