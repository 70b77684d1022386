// Regenerate helk.config.json (the documented defaults) and helk.config.schema.json from the
// zod schema. test/unit/config-documents.test.ts fails when the committed files drift from it.
import { writeFileSync } from "node:fs";
import { documentedDefaultsText, jsonSchemaText } from "../compose/config/documents.js";

writeFileSync(new URL("../helk.config.json", import.meta.url), documentedDefaultsText());
writeFileSync(new URL("../helk.config.schema.json", import.meta.url), jsonSchemaText());
console.log("wrote helk.config.json and helk.config.schema.json");
