// The shared compute thread: a one-slot queue served by a detached thread that lives as long as the process.
#include "compute_thread.h"

#include <deque>

namespace addon {

namespace {

struct task {
    const std::function<void()> * fn;
    std::exception_ptr            error;
    bool                          done = false;
};

struct compute_thread {
    std::mutex              mutex;
    std::condition_variable wake, finished;
    std::deque<task *>      queue;

    compute_thread() {
        std::thread([this] {
            for (;;) {
                task * t;
                {
                    std::unique_lock<std::mutex> lock(mutex);
                    wake.wait(lock, [this] { return !queue.empty(); });
                    t = queue.front();
                    queue.pop_front();
                }
                try {
                    (*t->fn)();
                } catch (...) {
                    t->error = std::current_exception();
                }
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    t->done = true;
                }
                finished.notify_all();
            }
        }).detach();
    }
};

compute_thread & instance() {
    static compute_thread * ct = new compute_thread();  // never destroyed: the thread outlives static destruction
    return *ct;
}

}  // namespace

void run_on_compute_thread(const std::function<void()> & fn) {
    compute_thread & ct = instance();
    task t { &fn, nullptr, false };
    {
        std::lock_guard<std::mutex> lock(ct.mutex);
        ct.queue.push_back(&t);
    }
    ct.wake.notify_one();
    {
        std::unique_lock<std::mutex> lock(ct.mutex);
        ct.finished.wait(lock, [&] { return t.done; });
    }
    if (t.error) std::rethrow_exception(t.error);
}

}  // namespace addon
