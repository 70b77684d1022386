/**
 * waitForLeaders: right after HELK creates its topics on three brokers, a broker may answer
 * "This server does not host this topic-partition" or name no leader yet (a full engine run
 * failed an install on exactly that). Those answers are asked again; anything else fails at once.
 */
import type { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import { waitForLeaders } from "../../engine/provision/kafka-topics.js";

type Answer = Error | { name: string; leaders: number[] }[];

function fakeAdmin(answers: Answer[]): { admin: Admin; calls: () => number } {
  let i = 0;
  const admin = {
    fetchTopicMetadata: async () => {
      const a = answers[Math.min(i++, answers.length - 1)] as Answer;
      if (a instanceof Error) throw a;
      return { topics: a.map((t) => ({ name: t.name, partitions: t.leaders.map((leader, partitionId) => ({ partitionId, leader })) })) };
    },
  } as unknown as Admin;
  return { admin, calls: () => i };
}

const notHosted = () =>
  Object.assign(new Error("This server does not host this topic-partition"), { type: "UNKNOWN_TOPIC_OR_PARTITION", retriable: true });
const noSleep = async () => undefined;

describe("waitForLeaders", () => {
  it("asks again through 'does not host this topic-partition' and leaderless partitions, then returns", async () => {
    const { admin, calls } = fakeAdmin([
      notHosted(),
      [
        { name: "winlogbeat", leaders: [1, -1, 2] },
        { name: "zeek", leaders: [3] },
      ],
      [
        { name: "winlogbeat", leaders: [1, 3, 2] },
        { name: "zeek", leaders: [3] },
      ],
    ]);
    await waitForLeaders(admin, ["winlogbeat", "zeek"], 60_000, noSleep);
    expect(calls()).toBe(3);
  });

  it("fails at once on an error that is not about metadata settling", async () => {
    const denied = Object.assign(new Error("Topic authorization failed"), { type: "TOPIC_AUTHORIZATION_FAILED", retriable: false });
    const { admin, calls } = fakeAdmin([denied]);
    await expect(waitForLeaders(admin, ["winlogbeat"], 60_000, noSleep)).rejects.toThrow(/authorization/);
    expect(calls()).toBe(1);
  });

  it("gives up at its deadline and says which partitions had no leader", async () => {
    const { admin } = fakeAdmin([[{ name: "winlogbeat", leaders: [1, -1, -1] }]]);
    await expect(waitForLeaders(admin, ["winlogbeat"], 0, noSleep)).rejects.toThrow(
      /no leaders after 0 s \(no leader yet for winlogbeat\/1, winlogbeat\/2\)/,
    );
  });
});
