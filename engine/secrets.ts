/**
 * Generated secrets: made once per install home, stored mode 0600, reused on every re-run,
 * never printed except in the one summary the user asks for.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EXTERNAL_SECRET_ENV, type HelkSecrets, LATER_SECRET_KEYS, SECRET_KEYS } from "../compose/secrets.js";
import { ExitCode, HelkError } from "./errors.js";
import { rootOnly } from "./host/user-access.js";

/** Letters and digits only: safe in env files, URLs and shells without quoting. */
export function randomToken(length: number): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length) && out.length < length) out.push(alphabet[byte % alphabet.length] as string);
    }
  }
  return out.join("");
}

export function generateSecrets(overrides: Partial<HelkSecrets> = {}): HelkSecrets {
  return {
    elasticPassword: randomToken(24),
    kibanaSystemPassword: randomToken(24),
    logstashWriterPassword: randomToken(24),
    analystPassword: randomToken(16),
    kibanaEncryptionKey: randomToken(48),
    jupyterToken: randomToken(40),
    htpasswdSalt: randomToken(12),
    kafkaClientPassword: randomToken(32),
    notebookReaderPassword: randomToken(24),
    ...overrides,
  };
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, as kafka-storage makes.
 * Like Kafka's own Uuid.randomUuid(), never one starting with "-": command lines such as
 * `kafka-storage format -t ID` would read it as an option (1 id in 64 otherwise).
 */
export function generateClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ""), "hex").toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

export interface InstallState {
  secrets: HelkSecrets;
  kafkaClusterId: string;
}

export const stateFile = (home: string): string => join(home, "secrets", "helk-state.json");

/** The state file's text checked and typed; later-added secrets may still be absent. */
function parseState(file: string, text: string): InstallState {
  let parsed: Partial<InstallState>;
  try {
    parsed = JSON.parse(text) as Partial<InstallState>;
  } catch (cause) {
    throw new HelkError(`${file} is not valid JSON`, {
      hint: "restore it from a backup; deleting it makes new passwords that the existing data will not accept",
      cause,
    });
  }
  const missing = SECRET_KEYS.filter((k) => typeof parsed.secrets?.[k] !== "string" && !LATER_SECRET_KEYS.includes(k));
  if (missing.length || typeof parsed.kafkaClusterId !== "string") {
    throw new HelkError(
      `${file} is incomplete (missing: ${[...missing, ...(parsed.kafkaClusterId ? [] : ["kafkaClusterId"])].join(", ")})`,
      {
        hint: "restore it from a backup of the install home",
      },
    );
  }
  return parsed as InstallState;
}

/**
 * Load the install's secrets, or generate and persist them (0600) on first use. Only install
 * calls this: a day-2 command reads them with readState, which never makes any.
 */
export function loadOrCreateState(
  home: string,
  options: { persist: boolean; overrides?: Partial<HelkSecrets> },
): {
  state: InstallState;
  created: boolean;
} {
  const file = stateFile(home);
  if (existsSync(file)) {
    const state = parseState(file, readFileSync(file, "utf8"));
    const added = LATER_SECRET_KEYS.filter((k) => typeof state.secrets[k] !== "string");
    if (added.length) {
      const fresh = generateSecrets();
      for (const k of added) state.secrets[k] = fresh[k];
      if (options.persist) writeState(file, state);
    }
    return { state, created: false };
  }
  const state: InstallState = { secrets: generateSecrets(options.overrides), kafkaClusterId: generateClusterId() };
  if (options.persist) writeState(file, state);
  return { state, created: true };
}

/**
 * An existing install's secrets, read only. Why not loadOrCreateState with persist off: run by
 * a user who is not root, the 0700 secrets folder makes the file look absent, and that call would
 * quietly make new random passwords that the install's services do not know. Here an unreadable
 * file is one error, with the sudo command that reads it; a missing one says so. Secrets a later
 * HELK version added stay absent until the next install or provision writes them.
 */
export function readState(home: string, command: string): InstallState {
  const file = stateFile(home);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw rootOnly(`cannot read ${file}: it is readable by root only`, command, cause);
    throw new HelkError(`the install's secrets are missing: ${file} (${code ?? String(cause)})`, {
      exitCode: ExitCode.preflight,
      hint: "restore it from a backup of the install home; without it HELK cannot log in to its own services",
      cause,
    });
  }
  return parseState(file, text);
}

function writeState(file: string, state: InstallState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The install's secrets when this user may read them (root), else undefined. Never creates them. */
export function readSecretsIfAllowed(home: string): HelkSecrets | undefined {
  try {
    return (JSON.parse(readFileSync(stateFile(home), "utf8")) as InstallState).secrets;
  } catch {
    return undefined;
  }
}

/** Every secret value, for redaction of logs and output. */
export function secretValues(secrets: HelkSecrets): string[] {
  return Object.values(secrets).filter((v): v is string => typeof v === "string" && v.length >= 6);
}

export type ExternalSecrets = Partial<Record<keyof typeof EXTERNAL_SECRET_ENV, string>>;

/** The external clusters' passwords from the environment the operator ran helk in. */
export function externalSecretsFromEnv(env: Record<string, string | undefined>): ExternalSecrets {
  const out: ExternalSecrets = {};
  for (const [key, name] of Object.entries(EXTERNAL_SECRET_ENV) as [keyof typeof EXTERNAL_SECRET_ENV, string][]) {
    const value = env[name];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * Take the external clusters' passwords the operator handed over (env at install), keep them
 * in the state (persisted 0600), and refuse to go on when the config needs one that was never given.
 */
export function adoptExternalSecrets(
  home: string,
  state: InstallState,
  needed: (keyof typeof EXTERNAL_SECRET_ENV)[],
  given: ExternalSecrets,
  persist: boolean,
): void {
  let changed = false;
  for (const [key, value] of Object.entries(given) as [keyof typeof EXTERNAL_SECRET_ENV, string | undefined][]) {
    if (value && state.secrets[key] !== value) {
      state.secrets[key] = value;
      changed = true;
    }
  }
  const missing = needed.filter((k) => !state.secrets[k]);
  if (missing.length)
    throw new HelkError(`the external cluster's password is not known: set ${missing.map((k) => EXTERNAL_SECRET_ENV[k]).join(" and ")}`, {
      exitCode: ExitCode.usage,
      hint: `e.g. read -rs ${EXTERNAL_SECRET_ENV[missing[0] as keyof typeof EXTERNAL_SECRET_ENV]} && export it, then run the command again; HELK keeps it in ${stateFile(home)} (0600) from then on`,
    });
  if (changed && persist) writeState(stateFile(home), state);
}
