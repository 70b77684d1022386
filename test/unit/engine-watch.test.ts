/**
 * scripts/lib/engine-watch.sh, which scripts/test.sh runs beside the tests: a line per sample,
 * an engine that does not answer is logged as such (and dockerd asked for its stacks once),
 * and the summary names the slowest answer, the misses and the least free disk and memory.
 * `docker` and `pidof` here are scripts: one answers at once or never, the other names a pid.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";

const WATCH = resolve("scripts/lib/engine-watch.sh");

function fakeBin(dockerBody: string): string {
  const dir = mkdtempSync(join(tmpdir(), "helk-watch-"));
  writeFileSync(join(dir, "docker"), `#!/usr/bin/env bash\n${dockerBody}\n`);
  // A pid no process has (above Linux's PID_MAX_LIMIT): the kill fails, nothing real is signalled.
  writeFileSync(join(dir, "pidof"), "#!/bin/sh\necho 4194313\n");
  chmodSync(join(dir, "docker"), 0o755);
  chmodSync(join(dir, "pidof"), 0o755);
  return dir;
}

async function watchFor(seconds: number, bin: string): Promise<string> {
  const log = join(bin, "watch.log");
  await execa("timeout", [String(seconds), "bash", WATCH, "run", log, "1", "1"], {
    reject: false,
    env: { PATH: `${bin}:${process.env.PATH}` },
  });
  return readFileSync(log, "utf8");
}

it("an engine that answers: one line per sample with its answer time, running containers, disk, memory, load and CPU stolen", async () => {
  const text = await watchFor(3, fakeBin("echo 4"));
  const lines = text.trim().split("\n");
  expect(lines.length).toBeGreaterThanOrEqual(2);
  for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d engine=\d+ms running=4 disk_free=\d+M mem_free=\d+M load=[\d.]+ steal=\d+%$/);
}, 20_000);

it("an engine that does not answer: NO-ANSWER lines, and dockerd is asked for its goroutine stacks once", async () => {
  const text = await watchFor(5, fakeBin("sleep 30"));
  expect(text).toMatch(/engine=NO-ANSWER\(1s\) disk_free=\d+M/);
  // pidof names a pid no process has: the signal fails, so no "sent" line, and no second try.
  expect(text).not.toMatch(/sent SIGUSR1/);
}, 20_000);

it("an engine that refuses at once (stopped): DOWN lines with the exit code, and no dump is asked for", async () => {
  const text = await watchFor(3, fakeBin("echo 'Cannot connect to the Docker daemon' >&2; exit 1"));
  expect(text).toMatch(/engine=DOWN\(exit 1 in \d+ms\) disk_free=\d+M/);
  expect(text).not.toMatch(/NO-ANSWER|process:|SIGUSR1/);
}, 20_000);

it("the summary: the slowest answer, the misses with the first one's time, the least disk and memory and the most CPU stolen, with theirs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "helk-watch-"));
  const log = join(dir, "watch.log");
  writeFileSync(
    log,
    [
      "10:00:00 engine=120ms running=3 disk_free=9000M mem_free=20000M load=1.0 steal=2%",
      "10:00:20 engine=NO-ANSWER(60s) disk_free=800M mem_free=15000M load=5.1 steal=41%",
      "10:01:40 engine=4500ms running=5 disk_free=700M mem_free=18000M load=3.0 steal=12%",
      "10:02:00 engine=NO-ANSWER(60s) disk_free=900M mem_free=300M load=9.0 steal=0%",
      "10:03:00 engine=DOWN(exit 1 in 12ms) disk_free=950M mem_free=900M load=1.0 steal=0%",
      "10:02:00 sent SIGUSR1 to dockerd (123): its goroutine stacks are named in its log",
      "",
    ].join("\n"),
  );
  const r = await execa("bash", [WATCH, "summary", log]);
  expect(r.stdout).toBe(
    "engine watch (5 samples): slowest answer 4.5 s at 10:01:40; unanswered 2 (first at 10:00:20); down 1 (first at 10:03:00); least disk free 700 MiB at 10:01:40; least memory available 300 MiB at 10:02:00; most CPU stolen 41 % at 10:00:20",
  );
});

it("stacks: dockerd's goroutines held on a lock or in a system call for a minute or more, by engine function; idle ones left out", async () => {
  const root = mkdtempSync(join(tmpdir(), "helk-watch-"));
  const held = (n: number, state: string, fn: string) =>
    `goroutine ${n} [${state}]:\nsync.runtime_SemacquireMutex(0xc0, 0x0)\n\t/usr/lib/go/src/runtime/sema.go:71\n${fn}(0xc0, 0x1)\n\t/build/x.go:1\n`;
  writeFileSync(
    join(root, "goroutine-stacks-2026-12-03T101500Z.log"),
    [
      held(1, "sync.Mutex.Lock, 12 minutes", "github.com/docker/docker/libnetwork.(*controller).NewNetwork"),
      held(2, "sync.Mutex.Lock, 9 minutes", "github.com/docker/docker/libnetwork.(*controller).NewNetwork"),
      held(3, "syscall, 14 minutes", "github.com/docker/docker/libnetwork/iptables.(*ChainInfo).Forward"),
      held(4, "select, 52 minutes", "github.com/docker/docker/daemon.(*Daemon).idle"),
      held(5, "semacquire", "github.com/docker/docker/daemon.(*Daemon).quick"),
    ].join("\n"),
  );
  const r = await execa("bash", [WATCH, "stacks"], { env: { DOCKER_EXEC_ROOT: root } });
  expect(r.stdout.split("\n")).toEqual([
    `dockerd's goroutines held a minute or more on a lock or in a system call (${root}/goroutine-stacks-2026-12-03T101500Z.log):`,
    "     2  github.com/docker/docker/libnetwork.(*controller).NewNetwork  [sync.Mutex.Lock], the longest 12 min",
    "     1  github.com/docker/docker/libnetwork/iptables.(*ChainInfo).Forward  [syscall], the longest 14 min",
  ]);
});
