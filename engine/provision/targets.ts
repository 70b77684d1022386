/** Project-network addresses of the services provisioning reaches without a host port. */
import type { DockerClient } from "../docker/docker-client.js";
import type { ProvisionTargets } from "./provision.js";

export async function provisionTargets(docker: DockerClient, project: string): Promise<ProvisionTargets> {
  const running = (await docker.containers.list(project)).filter((c) => c.state === "running");
  const kibana = running.find((c) => c.service === "kibana");
  const kafka = running.find((c) => c.service === "kafka");
  return { ...(kibana?.ip ? { kibanaIp: kibana.ip } : {}), ...(kafka ? { kafkaContainer: kafka.id } : {}) };
}
