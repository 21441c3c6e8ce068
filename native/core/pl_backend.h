// Process-wide llama.cpp set-up: backend init, and a log sink that keeps recent errors for exception messages.
#pragma once

#include "ggml-backend.h"

#include <string>
#include <vector>

namespace pl {

// Initialises the llama.cpp backends once; safe to call from any thread.
void backend_init();

// Last error/warning lines llama.cpp logged on this thread since backend_log_reset(), joined by "; ".
std::string backend_log_take();
void        backend_log_reset();

// Names of the compute devices ggml found (e.g. "CPU", "CUDA0").
std::string backend_devices();

// A device by name: "cpu", "gpu" (the first GPU, else integrated GPU, ggml found) or a name as ggml_backend_dev_name
// gives it (case-insensitive). Throws ERR_INVALID_OPTION naming the devices there are.
ggml_backend_dev_t backend_device(const std::string & name);

// Whether ggml has a GPU (or integrated GPU) device: RPC servers' devices count once registered (pl_rpc.h).
bool backend_has_gpu();

// The devices a model is offloaded to, by name as backend_device() takes them, each once; "cpu" alone means none
// (an empty list). Throws ERR_INVALID_OPTION for an unknown name, a repeated one or "cpu" beside other devices.
std::vector<ggml_backend_dev_t> backend_offload_devices(const std::vector<std::string> & names);

}  // namespace pl
