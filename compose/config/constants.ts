/** Defaults needed before (or without) loading the zod schema: commands that only locate an install. */
export const DEFAULT_INSTALL_HOME = "/opt/helk";
export const DEFAULT_LOG_FILE = "/var/log/helk-install.log";
