// Write HELK's Elasticsearch index templates (compose/elasticsearch-templates.ts, the ones
// provisioning applies) into images/elasticsearch/templates/ as plain JSON, for sites that
// apply them by hand or from their own tooling. test/unit/images-content.test.ts fails when
// the committed files drift from the code.
import { mkdirSync, writeFileSync } from "node:fs";
import { indexTemplates, RETENTION_POLICY } from "../compose/elasticsearch-templates.js";

const dir = new URL("../images/elasticsearch/templates/", import.meta.url);
mkdirSync(dir, { recursive: true });
for (const t of indexTemplates(RETENTION_POLICY)) writeFileSync(new URL(`${t.name}.json`, dir), `${JSON.stringify(t.body, null, 2)}\n`);
console.log(`wrote ${indexTemplates().length} templates into images/elasticsearch/templates/`);
