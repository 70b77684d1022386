/**
 * The install's steps, in the order they run: one list for the engine's progress events, the
 * TTY progress view and the dry-run plan, so the three cannot disagree. Pure data.
 */
export const INSTALL_STEPS = [
  { id: "preflight", title: "Preflight checks" },
  { id: "tuning", title: "Host tuning" },
  { id: "secrets", title: "Secrets" },
  { id: "tls", title: "TLS certificate" },
  { id: "external", title: "External clusters" },
  { id: "render", title: "Write compose.yaml, .env, secrets and service configs" },
  { id: "validate", title: "docker compose config" },
  { id: "images", title: "Images" },
  { id: "rules", title: "Convert Sigma rules for ElastAlert" },
  { id: "logins", title: "Start Elasticsearch; set logins and templates" },
  { id: "start", title: "Start services and wait until healthy" },
  { id: "provision", title: "Provision topics, templates and users" },
  { id: "ready", title: "Wait until helk status passes" },
] as const;

export type InstallStepId = (typeof INSTALL_STEPS)[number]["id"];
