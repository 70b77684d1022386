/** Project-network addresses of the services provisioning reaches without a host port. */
import type { DockerClient } from "../docker-client.js";
import type { ProvisionTargets } from "./provision.js";

export async function provisionTargets(docker: DockerClient, project: string): Promise<ProvisionTargets> {
  const kibana = (await docker.containers.list(project)).find((c) => c.service === "kibana" && c.state === "running");
  return kibana?.ip ? { kibanaIp: kibana.ip } : {};
}
