/** Typed errors that say what to do next. Only cli/main.ts turns them into an exit code. */

/** Exit codes, documented in the README; scripts can branch on them. */
export const ExitCode = {
  ok: 0,
  /** A step failed (compose, health, provisioning): see the message and the log. */
  failure: 1,
  /** Bad usage or configuration: a wrong flag, an invalid config file, a missing answer. */
  usage: 2,
  /** A preflight check failed (root, RAM, disk, ports, vm.max_map_count). */
  preflight: 3,
  /** Docker engine or Compose missing, unreachable or too old. */
  engine: 4,
  /** A service did not become healthy in time. */
  unhealthy: 5,
  /** `helk status`: the stack is not (all) healthy or not installed. */
  notHealthy: 6,
  /** `helk replay`: a path (or a directory) holds nothing that can be replayed, or non-empty input yielded no event. */
  noInput: 7,
  /** `helk replay`: a file is neither JSON lines nor a JSON array (binary, a capture, a pretty-printed object). */
  notJsonLines: 8,
  /** `helk replay`: an archive or a JSON array is truncated or corrupt. */
  corruptInput: 9,
  /** `helk replay`: Kafka is unreachable, or refused the topic or the messages. */
  broker: 10,
  /** `helk rules add`: a Sigma rule was refused (the others are loaded); each is named with its reason. */
  rulesRefused: 11,
  /** A bug in helk itself. */
  bug: 70,
  /** Interrupted by Ctrl-C or SIGTERM. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Each exit code in a few words, for `helk --help` (written here so a new code cannot be left out). */
export const EXIT_CODE_LABELS: Record<ExitCodeValue, string> = {
  0: "ok",
  1: "failure",
  2: "usage or configuration",
  3: "preflight (root, memory, disk, ports)",
  4: "Docker engine",
  5: "unhealthy",
  6: "status not healthy",
  7: "replay: nothing to replay",
  8: "replay: not JSON events",
  9: "replay: corrupt archive",
  10: "Kafka refused or unreachable",
  11: "rules: a Sigma rule refused",
  70: "bug in helk",
  130: "interrupted",
};

/** "0 ok, 1 failure, ...": every ExitCode, in order. */
export function exitCodeHelp(): string {
  return Object.values(ExitCode)
    .sort((a, b) => a - b)
    .map((code) => `${code} ${EXIT_CODE_LABELS[code]}`)
    .join(", ");
}

export class HelkError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  /** Extra lines shown under the message, such as every config problem. */
  readonly details: string[];

  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown; details?: string[] } = {}) {
    super(message, { cause: options.cause });
    this.name = "HelkError";
    this.exitCode = options.exitCode ?? ExitCode.failure;
    if (options.hint !== undefined) this.hint = options.hint;
    this.details = options.details ?? [];
  }
}
