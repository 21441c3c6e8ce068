// RPC servers: endpoint syntax, a bounded probe (TCP connect + the RPC handshake), then ggml's registration.
#include "pl_rpc.h"

#include "pl_backend.h"
#include "pl_error.h"

#include "ggml-backend.h"
#include "ggml-rpc.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#ifndef _WIN32
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace pl {

// "host:port" as ggml's parse_endpoint reads it (the host up to the first ':'), with the port in 1..65535.
static void parse_endpoint(const std::string & endpoint, std::string & host, std::string & port) {
    const size_t colon = endpoint.find(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < endpoint.size() && endpoint.size() - colon - 1 <= 5;
    long value = 0;
    for (size_t i = colon + 1; ok && i < endpoint.size(); i++) {
        ok = endpoint[i] >= '0' && endpoint[i] <= '9';
        value = value * 10 + (endpoint[i] - '0');
    }
    if (!ok || value < 1 || value > 65535) {
        throw error("ERR_INVALID_OPTION", "Expected host:port (a port in 1..65535) for an RPC server but received \"" + endpoint + "\"");
    }
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
}

#ifndef _WIN32
using clock_type = std::chrono::steady_clock;

// Waits until fd is ready for `events` or the deadline passes; false on timeout or error.
static bool wait_fd(int fd, short events, clock_type::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
        if (left <= 0) return false;
        pollfd p = { fd, events, 0 };
        const int r = poll(&p, 1, (int) left);
        if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
        if (r < 0 && errno != EINTR) return false;
    }
}

static bool send_all(int fd, const uint8_t * data, size_t n, clock_type::time_point deadline) {
    while (n > 0) {
        if (!wait_fd(fd, POLLOUT, deadline)) return false;
        const ssize_t k = send(fd, data, n, MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (k <= 0) return false;
        data += k;
        n -= (size_t) k;
    }
    return true;
}

static bool recv_all(int fd, uint8_t * data, size_t n, clock_type::time_point deadline) {
    while (n > 0) {
        if (!wait_fd(fd, POLLIN, deadline)) return false;
        const ssize_t k = recv(fd, data, n, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (k <= 0) return false;
        data += k;
        n -= (size_t) k;
    }
    return true;
}

struct fd_closer {
    int fd;
    ~fd_closer() { if (fd >= 0) close(fd); }
};

// Connects within timeout_ms and performs the handshake ggml's client starts with (ggml-rpc.cpp, negotiate_hello:
// command HELLO = 14, a 24-byte request of zero transport capabilities, a 28-byte reply whose first byte is the
// protocol's major version); the connection is closed again (an rpc-server serves one client at a time).
static void probe(const std::string & endpoint, const std::string & host, const std::string & port, int timeout_ms) {
    const auto deadline = clock_type::now() + std::chrono::milliseconds(timeout_ms);
    const std::string where = "RPC server " + endpoint;
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo * found = nullptr;
    if (const int r = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); r != 0) {
        throw error("ERR_NETWORK", where + ": cannot resolve the host \"" + host + "\" (" + gai_strerror(r) + ")");
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
    std::string why = "no address";
    for (addrinfo * a = found; a; a = a->ai_next) {
        fd_closer s { socket(a->ai_family, a->ai_socktype, a->ai_protocol) };
        if (s.fd < 0) continue;
        fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
        if (connect(s.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            why = std::string("connection failed (") + std::strerror(errno) + ")";
            continue;
        }
        int err = 0;
        socklen_t len = sizeof(err);
        if (!wait_fd(s.fd, POLLOUT, deadline)) {
            why = "no connection within " + std::to_string(timeout_ms) + " ms";
            continue;
        }
        if (getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            why = std::string("connection failed (") + std::strerror(err) + ")";
            continue;
        }
        uint8_t request[1 + 8 + 24] = { 14 };
        const uint64_t request_size = 24;
        std::memcpy(request + 1, &request_size, sizeof(request_size));
        uint64_t reply_size = 0;
        uint8_t reply[28];
        if (!send_all(s.fd, request, sizeof(request), deadline) ||
            !recv_all(s.fd, reinterpret_cast<uint8_t *>(&reply_size), sizeof(reply_size), deadline) ||
            reply_size != sizeof(reply) || !recv_all(s.fd, reply, sizeof(reply), deadline)) {
            throw error("ERR_NETWORK", where + " accepted the connection but did not answer the RPC handshake within " +
                        std::to_string(timeout_ms) + " ms (not an rpc-server, or busy with another client: it serves one at a time)");
        }
        if (reply[0] != RPC_PROTO_MAJOR_VERSION || reply[1] > RPC_PROTO_MINOR_VERSION) {
            throw error("ERR_NETWORK", where + " speaks RPC protocol " + std::to_string(reply[0]) + "." + std::to_string(reply[1]) +
                        ", this build " + std::to_string(RPC_PROTO_MAJOR_VERSION) + "." + std::to_string(RPC_PROTO_MINOR_VERSION) +
                        ": build rpc-server from the same llama.cpp (scripts/build-rpc-server.sh)");
        }
        return;
    }
    throw error("ERR_NETWORK", where + " does not answer: " + why + " (is rpc-server running there? `rpc-server -H 0.0.0.0 -p " + port + "`)");
}
#endif

std::vector<rpc_server> rpc_add_servers(const std::vector<std::string> & endpoints, int timeout_ms) {
    backend_init();
    static std::mutex mutex;
    static std::map<std::string, std::vector<std::string>> registered;  // endpoint -> its device names
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<rpc_server> out;
    for (const std::string & endpoint : endpoints) {  // every endpoint's syntax before any connects
        std::string host, port;
        parse_endpoint(endpoint, host, port);
    }
    ggml_backend_reg_t rpc = ggml_backend_reg_by_name("RPC");
    using add_server_fn = ggml_backend_reg_t (*)(const char *);
    auto add_server = rpc ? (add_server_fn) ggml_backend_reg_get_proc_address(rpc, "ggml_backend_rpc_add_server") : nullptr;
    if (!add_server) {
        throw error("ERR_BACKEND", "This build of the addon has no RPC backend: rebuild it with `npx persian-lora build` (the native "
                    "build includes RPC unless configured with -DPERSIAN_LORA_RPC=OFF; the portable prebuild leaves it out)");
    }
    for (const std::string & endpoint : endpoints) {
        auto known = registered.find(endpoint);
        if (known == registered.end()) {
            std::string host, port;
            parse_endpoint(endpoint, host, port);
#ifndef _WIN32
            probe(endpoint, host, port, timeout_ms);
#else
            (void) timeout_ms;  // no probe on Windows yet: ggml's own connect decides
#endif
            ggml_backend_reg_t reg = add_server(endpoint.c_str());
            if (!reg) throw error("ERR_NETWORK", "RPC server " + endpoint + " reports no devices");
            ggml_backend_register(reg);
            std::vector<std::string> names;
            for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); i++) names.push_back(ggml_backend_dev_name(ggml_backend_reg_dev_get(reg, i)));
            known = registered.emplace(endpoint, names).first;
        }
        out.push_back({ endpoint, known->second });
    }
    return out;
}

}  // namespace pl
