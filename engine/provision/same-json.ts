/** Deep equality on JSON, ignoring key order (Elasticsearch echoes settings as strings). */
export function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    return typeof v === "number" || typeof v === "boolean" ? String(v) : v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
