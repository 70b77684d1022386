// dockerode's BuildKit session support pulls in gRPC and protobufjs (about 100 ms of start-up
// per command). helk never builds images through dockerode, so the bundle gets this stub.
module.exports = function withSession() {
  throw new Error("BuildKit sessions are not available in helk's bundle");
};
