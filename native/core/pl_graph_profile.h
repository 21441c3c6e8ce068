// A developer's view of where a graph's time goes: with PERSIAN_LORA_PROFILE=1 in the environment, the trainer computes
// its graphs one node at a time and prints to stderr the time per op and source types, largest first (=2: per shape too).
#pragma once

#include "ggml-backend.h"

namespace pl {

// Whether PERSIAN_LORA_PROFILE is set (read once).
bool graph_profile_enabled();

// Computes gf node by node on `backend`, timing each, and prints the table; returns the first failing status.
ggml_status graph_compute_profiled(ggml_backend_t backend, ggml_cgraph * gf);

}  // namespace pl
