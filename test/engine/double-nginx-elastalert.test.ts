/**
 * The nginx and ElastAlert doubles against their contracts (CONTRACT.md beside each under
 * test/fixtures/images/doubles/): the tools the upstream images have and lack, their users,
 * paths, and what ElastAlert refuses at start.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../compose/config/schema.js";
import { elastalertConfig } from "../../compose/files/elastalert-config.js";
import { elastalert } from "../../compose/services/elastalert.js";
import { nginx } from "../../compose/services/nginx.js";
import { DoubleRunner, serviceContext } from "../helpers/double-runner.js";
import { ELASTALERT_DOUBLE, NGINX_DOUBLE, STANDIN } from "../helpers/doubles.js";
import { requireImages } from "../helpers/test-stack.js";

const runner = new DoubleRunner(`helktest-nxdouble-${process.pid}`);

beforeAll(async () => {
  await requireImages([NGINX_DOUBLE, ELASTALERT_DOUBLE, STANDIN], "run scripts/build-test-images.sh");
  await runner.init();
});
afterAll(() => runner.cleanup());

describe("nginx double (nginx:1.28.0-alpine)", () => {
  let c: string;
  beforeAll(async () => {
    c = await runner.start("nginx", [NGINX_DOUBLE]);
    await runner.waitFor(c, ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]);
  });

  it("has busybox wget and sh, and neither curl nor bash", async () => {
    expect((await runner.exec(c, ["sh", "-c", "wget --help 2>&1 | head -n1"])).stdout).toMatch(/BusyBox/);
    for (const tool of ["curl", "bash"]) expect((await runner.exec(c, ["sh", "-c", `command -v ${tool}`])).exitCode, tool).not.toBe(0);
  });

  it("the generated healthcheck passes there, and a curl one would not", async () => {
    const ctx = serviceContext(["kibana", "nginx"]);
    const check = nginx(ctx).healthcheck.test[1] as string;
    // The stock default.conf has no /healthz; the check needs HELK's config, so run it against a stand-in path.
    const stock = check.replace("/healthz", "/");
    expect((await runner.exec(c, ["sh", "-c", stock])).exitCode).toBe(0);
    expect((await runner.exec(c, ["sh", "-c", "curl -fsS http://127.0.0.1/ >/dev/null || exit 1"])).exitCode).not.toBe(0);
  });

  it("serves /etc/nginx/conf.d/default.conf, the master as root and the workers as nginx (uid 101)", async () => {
    expect((await runner.exec(c, ["test", "-f", "/etc/nginx/conf.d/default.conf"])).exitCode).toBe(0);
    const top = await execa("docker", ["top", c, "-eo", "pid,uid,args"]);
    const rows = top.stdout.split("\n").slice(1);
    expect(
      rows
        .find((r) => r.includes("nginx: master"))
        ?.trim()
        .split(/\s+/)[1],
    ).toBe("0");
    expect(rows.filter((r) => r.includes("nginx: worker")).map((r) => r.trim().split(/\s+/)[1])).toContain("101");
  });
});

describe("ElastAlert double (jertel/elastalert2:2.25.0)", () => {
  const config = defaultConfig();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "helk-elastalert-"));
    writeFileSync(join(dir, "config.yaml"), elastalertConfig(config));
    mkdirSync(join(dir, "rules"));
  });
  const mounts = (): string[] => ["-v", `${dir}/config.yaml:/opt/elastalert/config.yaml:ro`, "-v", `${dir}/rules:/opt/elastalert/rules:ro`];

  it("runs as elastalert (uid 1000) in /opt/elastalert with python3, curl and jq", async () => {
    const r = await runner.once([
      "--entrypoint",
      "sh",
      ELASTALERT_DOUBLE,
      "-c",
      "id -un; id -u; pwd; test -x run.sh && echo run.sh; command -v python3; command -v curl; command -v jq",
    ]);
    expect(r.stdout.split("\n")).toEqual([
      "elastalert",
      "1000",
      "/opt/elastalert",
      "run.sh",
      "/usr/bin/python3",
      "/usr/bin/curl",
      "/usr/bin/jq",
    ]);
  });

  it("refuses to start without its config file", async () => {
    const r = await runner.once([ELASTALERT_DOUBLE], 30_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("cannot read /opt/elastalert/config.yaml");
  });

  it("refuses to start when Elasticsearch cannot be reached", async () => {
    const r = await runner.once([...mounts(), ELASTALERT_DOUBLE], 60_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("ConnectionError");
  });

  it("starts with HELK's generated config once Elasticsearch answers, and passes the generated healthcheck", async () => {
    await runner.start("es", [
      "--hostname",
      "elasticsearch",
      "--network-alias",
      "elasticsearch",
      "-e",
      "STANDIN_ROLE=elasticsearch",
      STANDIN,
    ]);
    const ctx = serviceContext(["elasticsearch", "elastalert"], config);
    const c = await runner.start("elastalert", [...mounts(), "-e", "ES_PASSWORD=x", ELASTALERT_DOUBLE]);
    await runner.waitFor(c, ["sh", "-c", elastalert(ctx).healthcheck.test[1] as string], 30);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await runner.logs(c)).toContain("rules loaded from /opt/elastalert/rules");
  });
});
