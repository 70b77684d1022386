/** Docker's multiplexed log stream, as the Engine API sends it without a TTY. */
import { describe, expect, it } from "vitest";
import { demuxLogs } from "../../engine/docker/docker-client.js";

describe("demuxLogs", () => {
  it("strips Docker's stream headers", () => {
    const frame = (type: number, text: string) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
  });
});
