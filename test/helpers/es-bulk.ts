/** Bulk indexing for tests that put documents where HELK's writers would. */
import type { Client } from "@elastic/elasticsearch";

export interface BulkDoc {
  index: string;
  source: unknown;
  id?: string;
}

/** Every document, 2,000 per request; the first refused item fails the call, named by `what`. */
export async function bulkIndex(es: Client, docs: BulkDoc[], what: string): Promise<void> {
  for (let i = 0; i < docs.length; i += 2000) {
    const ops = docs.slice(i, i + 2000).flatMap((d) => [{ index: { _index: d.index, ...(d.id ? { _id: d.id } : {}) } }, d.source]);
    const r = await es.bulk({ operations: ops, refresh: false });
    if (r.errors) throw new Error(`bulk into ${what}: ${JSON.stringify(r.items.find((x) => x.index?.error)?.index?.error)}`);
  }
}
