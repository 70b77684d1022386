/**
 * The nginx double against its contract (test/fixtures/images/doubles/nginx/CONTRACT.md): the
 * tools the upstream image has and lacks, its users and paths. (ElastAlert is no longer a double:
 * test/engine/elastalert-sigma.test.ts runs the real one.)
 */
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nginx } from "../../compose/services/nginx.js";
import { DoubleRunner, serviceContext } from "../helpers/double-runner.js";
import { NGINX_DOUBLE, STANDIN } from "../helpers/doubles.js";
import { requireImages } from "../helpers/test-stack.js";

const runner = new DoubleRunner(`helktest-nxdouble-${process.pid}`);

beforeAll(async () => {
  await requireImages([NGINX_DOUBLE, STANDIN], "run scripts/build-test-images.sh");
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
