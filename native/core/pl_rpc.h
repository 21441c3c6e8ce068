// Devices served by ggml's RPC backend (llama.cpp's rpc-server, `--rpc host:port`), registered with a bounded probe.
#pragma once

#include <string>
#include <vector>

namespace pl {

struct rpc_server {
    std::string              endpoint;  // "host:port" as given
    std::vector<std::string> devices;   // ggml's names of its devices: "RPC0", "RPC1", ... in the order registered
};

// Registers the devices of each RPC server ("host:port"), as llama.cpp's --rpc does, so that backend_device() and
// model loading find them by name. ggml aborts the process when an endpoint does not connect or answer, so each
// endpoint is first probed here: a TCP connect and the RPC handshake, each bounded by timeout_ms. An endpoint
// registered before keeps its devices. Throws ERR_INVALID_OPTION for a malformed endpoint, ERR_BACKEND when this
// build has no RPC backend, ERR_NETWORK naming the endpoint that does not answer.
std::vector<rpc_server> rpc_add_servers(const std::vector<std::string> & endpoints, int timeout_ms);

}  // namespace pl
