/**
 * The Docker client's own HTTP/1.0 over the engine's unix socket, against a fake engine that
 * answers like Docker's (Go net/http: an HTTP/1.0 request gets an unchunked body and a close).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerClient } from "../../engine/docker/docker-client.js";
import { EngineApiError, engineGet, parseResponse } from "../../engine/docker/engine-api.js";
import { HelkError } from "../../engine/errors.js";

const dir = mkdtempSync(join(tmpdir(), "helk-engine-api-"));
const socketPath = join(dir, "docker.sock");
const requests: string[] = [];

const listed = [
  {
    Id: "c1",
    Names: ["/p-kafka-1"],
    Image: "apache/kafka:4.1.1",
    Labels: { "com.docker.compose.service": "kafka" },
    Ports: [
      { IP: "127.0.0.1", PrivatePort: 9092, PublicPort: 9092, Type: "tcp" },
      { PrivatePort: 9093, Type: "tcp" },
    ],
  },
];
const inspected = {
  RestartCount: 2,
  State: {
    Status: "running",
    Running: true,
    OOMKilled: false,
    ExitCode: 0,
    StartedAt: "2026-12-02T03:00:00Z",
    Health: { Status: "unhealthy", Log: [{ ExitCode: 1, Output: "broker not ready\nmore" }] },
  },
  Config: { Env: ["A=1", "KAFKA_NODE_ID=7"] },
  NetworkSettings: { Networks: { p_default: { IPAddress: "172.18.0.5" } } },
};

function answer(path: string): [number, string] {
  if (path.startsWith("/containers/json?")) return [200, JSON.stringify(listed)];
  if (path === "/containers/c1/json") return [200, JSON.stringify(inspected)];
  if (path.startsWith("/images/")) return [404, JSON.stringify({ message: "No such image: x" })];
  return [500, "plain failure"];
}

let server: Server;
beforeAll(async () => {
  server = createServer({ allowHalfOpen: true }, (socket) => {
    let head = "";
    // Like Go's net/http: a client that half-closes its side is gone, its request cancelled.
    let gone = false;
    socket.on("end", () => {
      gone = true;
    });
    socket.on("data", (c) => {
      head += c.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const [method, path] = head.split(" ") as [string, string];
      requests.push(`${method} ${path}`);
      const [status, body] = answer(path);
      // Slow endpoints (stats, long logs) answer after the client could have hung up.
      setTimeout(() => socket.end(gone ? "" : `HTTP/1.0 ${status} X\r\nContent-Type: application/json\r\n\r\n${body}`), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("engine API over the unix socket", () => {
  it("lists a project's containers by its compose label and merges each one's inspect", async () => {
    const [c] = await createDockerClient(socketPath).containers.list("p");
    const listing = requests.find((r) => r.startsWith("GET /containers/json?")) ?? "";
    expect(JSON.parse(new URLSearchParams(listing.split("?")[1]).get("filters") ?? "")).toEqual({
      label: ["com.docker.compose.project=p"],
    });
    expect(c).toEqual({
      id: "c1",
      name: "p-kafka-1",
      service: "kafka",
      image: "apache/kafka:4.1.1",
      state: "running",
      health: "unhealthy",
      oomKilled: false,
      restartCount: 2,
      ports: ["127.0.0.1:9092->9092/tcp"],
      startedAt: new Date("2026-12-02T03:00:00Z"),
      lastHealthOutput: "broker not ready\nmore",
      ip: "172.18.0.5",
    });
  });

  it("reads one environment variable of a container", async () => {
    expect(await createDockerClient(socketPath).containers.envVar("c1", "KAFKA_NODE_ID")).toBe("7");
  });

  it("answers a missing image with false and another failure with the engine's status", async () => {
    expect(await createDockerClient(socketPath).images.exists("helk-test/kafka:4.1.1")).toBe(false);
    expect(requests).toContain("GET /images/helk-test/kafka:4.1.1/json");
    const err = await engineGet(socketPath, "/nothing").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineApiError);
    expect((err as EngineApiError).statusCode).toBe(500);
    expect((err as Error).message).toContain("plain failure");
  });

  it("names a socket that does not exist with what to do", async () => {
    const err = await createDockerClient(join(dir, "absent.sock"))
      .ping()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelkError);
    expect((err as HelkError).message).toContain("absent.sock does not exist");
    expect((err as HelkError).hint).toMatch(/start it/);
  });

  it("refuses an answer that is not HTTP", () => {
    expect(() => parseResponse(Buffer.from("garbage"))).toThrow(/not an HTTP answer/);
    expect(parseResponse(Buffer.from("HTTP/1.1 204 No Content\r\nA: b\r\n\r\n"))).toEqual({ status: 204, body: Buffer.alloc(0) });
  });
});
