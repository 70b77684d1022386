/**
 * Images HELK builds on top of the configured upstream ones: `images/<folder>/Dockerfile`
 * FROM `images.<key>` plus HELK's own content (jobs, notebooks, pipelines). Pure: which
 * service runs which built image, and the tag. engine/docker/helk-images.ts builds them.
 */
import type { HelkConfig, ImageKey } from "./config/schema.js";
import { imageKeyOf, type ServiceName } from "./profiles.js";

export interface HelkImage {
  /** Folder under images/ holding the Dockerfile and content. */
  folder: string;
  /** The upstream image it builds on (passed as the BASE_IMAGE build argument). */
  baseKey: ImageKey;
}

/** Services whose container runs a HELK-built image. */
const BUILT: Partial<Record<ServiceName, HelkImage>> = {
  logstash: { folder: "logstash", baseKey: "logstash" },
  kibana: { folder: "kibana", baseKey: "kibana" },
  "ksqldb-server": { folder: "ksqldb", baseKey: "ksqldb" },
  jupyter: { folder: "jupyter", baseKey: "jupyter" },
  "stream-join": { folder: "jupyter", baseKey: "jupyter" },
  "spark-master": { folder: "jupyter", baseKey: "jupyter" },
  "spark-worker": { folder: "jupyter", baseKey: "jupyter" },
  // ElastAlert 2 plus HELK's Sigma converter (helk-sigma) and HELK's own Sigma rules.
  elastalert: { folder: "elastalert", baseKey: "elastalert" },
};

export function helkImageOf(service: ServiceName): HelkImage | undefined {
  return BUILT[service];
}

/**
 * Per install project (`helk/jupyter:0.2.0` for the default one), so that two installs with different base images on one engine (the
 * tests do this) never overwrite each other's build.
 */
export function helkImageTag(config: HelkConfig, image: HelkImage, version: string): string {
  return `${config.projectName}/${image.folder}:${version}`;
}

/** The distinct images an install of these services builds, with their base and tag. */
export function helkImagesFor(
  config: HelkConfig,
  services: readonly ServiceName[],
  version: string,
): { folder: string; base: string; tag: string; services: ServiceName[] }[] {
  const byTag = new Map<string, { folder: string; base: string; tag: string; services: ServiceName[] }>();
  for (const service of services) {
    const image = BUILT[service];
    if (!image) continue;
    const tag = helkImageTag(config, image, version);
    const entry = byTag.get(tag) ?? { folder: image.folder, base: config.images[image.baseKey], tag, services: [] };
    entry.services.push(service);
    byTag.set(tag, entry);
  }
  return [...byTag.values()];
}

/** The image a service's container runs: HELK's build where it has one, else the configured image. */
export function serviceImage(config: HelkConfig, service: ServiceName, version: string): string {
  const built = BUILT[service];
  return built ? helkImageTag(config, built, version) : config.images[imageKeyOf(service)];
}
