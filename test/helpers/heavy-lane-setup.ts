/** Setup file of the `engine-heavy` project: this test file holds the heavy lane (heavy-lane.ts) from before its first hook to after its last. */
import { afterAll } from "vitest";
import { leaveLane, takeLane } from "./heavy-lane.js";

await takeLane();
afterAll(() => leaveLane());
