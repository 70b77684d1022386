/**
 * scripts/lib/prune-test-stacks.sh, which scripts/test.sh runs before the tests: a stack whose
 * test process is gone goes (containers, volumes, networks, its own images); a stack of a test
 * run still going stays, and so does a project that is not a test stack. `docker` here is a
 * script that answers from fixed lists and logs what it was asked to remove.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";

it("removes the stacks of a test process that is gone, and only those", async () => {
  const dir = mkdtempSync(join(tmpdir(), "helk-prune-"));
  const log = join(dir, "removed.log");
  // This test's own process is a live node process; no process has a pid above 4194304 (Linux's PID_MAX_LIMIT).
  const live = `helktest-alerting-${process.pid}`;
  const gone = "helktest-alerting-4194311";
  const onlyImages = "helktest-benchfleet-4194312";
  // External clusters (test/helpers/external-clusters.ts) of a gone process: the same.
  const ext = "helkext-ext-4194314";
  writeFileSync(
    join(dir, "docker"),
    `#!/usr/bin/env bash
project=\${@: -1}; project=\${project#label=com.docker.compose.project=}
case "$1 $2" in
  "ps -a") printf '%s\\n' ${live} ${gone} ${gone} "" other-project ${ext} ;;
  "ps -aq") [ "$project" = ${gone} ] || [ "$project" = ${ext} ] && echo "id-of-$project" ;;
  "volume ls") [ "$project" = ${gone} ] || [ "$project" = ${ext} ] && echo "vol-of-$project" ;;
  "network ls") [ "$project" = ${gone} ] && echo "net-of-$project" ;;
  "images --format")
    if [ "$3" = "{{.Repository}}" ]; then printf '%s\\n' ${gone}/jupyter ${onlyImages}/jupyter helk-test/kafka
    else printf '%s\\n' ${gone}/jupyter:0.1.0 ${onlyImages}/jupyter:0.1.0 helk-test/kafka:4.1.1; fi ;;
  *) echo "$*" >> ${log} ;;
esac
`,
  );
  chmodSync(join(dir, "docker"), 0o755);
  const r = await execa("bash", [resolve("scripts/lib/prune-test-stacks.sh")], {
    env: { PATH: `${dir}:${process.env.PATH}` },
  });
  expect(r.exitCode).toBe(0);
  expect(r.stdout.split("\n").sort()).toEqual(
    [
      `[test] removing stale test stack ${gone} (its test process is gone)`,
      `[test] removing stale test stack ${onlyImages} (its test process is gone)`,
      `[test] removing stale test stack ${ext} (its test process is gone)`,
    ].sort(),
  );
  expect(readFileSync(log, "utf8").split("\n").filter(Boolean).sort()).toEqual(
    [
      `rm -f id-of-${gone}`,
      `volume rm -f vol-of-${gone}`,
      `network rm net-of-${gone}`,
      `image rm ${gone}/jupyter:0.1.0`,
      `image rm ${onlyImages}/jupyter:0.1.0`,
      `rm -f id-of-${ext}`,
      `volume rm -f vol-of-${ext}`,
    ].sort(),
  );
});
