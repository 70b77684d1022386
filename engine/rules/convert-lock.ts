/**
 * One conversion at a time per install: `helk rules add` in one shell and `helk start` in another
 * would otherwise publish over each other's rules folder. A file made with O_EXCL holds the pid;
 * one left by a process that is gone (killed mid-run) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, HelkError } from "../errors.js";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

export async function withConvertLock<T>(rulesDir: string, work: () => Promise<T>): Promise<T> {
  const file = join(rulesDir, ".convert.lock");
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const text = readFileSync(file, "utf8").trim();
      const holder = Number(text);
      // Empty: its maker created it and has not written its pid yet (two calls), so it is held.
      if (attempt === 0 && text !== "" && !(holder > 0 && alive(holder))) {
        rmSync(file, { force: true });
        continue;
      }
      throw new HelkError(`another helk command (pid ${holder}) is converting this install's Sigma rules`, {
        exitCode: ExitCode.failure,
        hint: "run it again once that one has finished",
      });
    }
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}
