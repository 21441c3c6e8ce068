// One OS thread for all blocking native work. ggml's OpenMP builds make every calling thread the master of its own
// thread team; calls spread over libuv's pool create several teams, libgomp then throttles their spinning and every
// decode pays a sleep/wake of its workers (measured: generation 2x slower than llama-bench on 2 cores).
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace addon {

// Runs `fn` on the shared compute thread and blocks the caller (a libuv worker) until it is done; rethrows.
void run_on_compute_thread(const std::function<void()> & fn);

}  // namespace addon
