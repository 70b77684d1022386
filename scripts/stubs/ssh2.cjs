// HELK talks to the local Docker engine over its unix socket only. docker-modem loads ssh2 at
// start-up for ssh:// engines, which costs about 150 ms per command; the bundle gets this stub.
class Client {
  constructor() {
    throw new Error("ssh:// Docker engines are not supported by helk; use the local socket (DOCKER_HOST=unix:///var/run/docker.sock)");
  }
}
module.exports = { Client };
