// One OS thread for all blocking native work. ggml's OpenMP builds make every calling thread the master of its own
// thread team; calls spread over libuv's pool create several teams, libgomp then throttles their spinning and every
// decode pays a sleep/wake of its workers (measured: generation 2x slower than llama-bench on 2 cores).
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace addon {

// Runs `fn` on a compute thread and blocks the caller (a libuv worker) until it is done; rethrows. Lane "" is the
// shared thread; another lane (a model whose layers are all on other devices, e.g. "RPC1": pl::model::lane) gets a
// thread of its own, so that models on different devices compute at once (their CPU share is small).
void run_on_compute_thread(const std::function<void()> & fn, const std::string & lane = "");

}  // namespace addon
