/** Kafka KRaft cluster ids HELK generates. */
import { describe, expect, it } from "vitest";

describe("KRaft cluster ids", () => {
  it("are 22 base64url characters and never start with '-', which kafka-storage would read as an option", async () => {
    const { generateClusterId } = await import("../../engine/secrets.js");
    const ids = Array.from({ length: 5000 }, () => generateClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
