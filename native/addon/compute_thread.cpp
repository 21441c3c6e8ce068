// The shared compute thread: a one-slot queue served by a detached thread that lives as long as the process.
#include "compute_thread.h"

#include <deque>
#include <map>

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

// One thread per lane, made on first use and never destroyed: the threads outlive static destruction.
compute_thread & instance(const std::string & lane) {
    static std::mutex mutex;
    static auto * lanes = new std::map<std::string, compute_thread *>();
    std::lock_guard<std::mutex> lock(mutex);
    compute_thread *& ct = (*lanes)[lane];
    if (!ct) ct = new compute_thread();
    return *ct;
}

}  // namespace

void run_on_compute_thread(const std::function<void()> & fn, const std::string & lane) {
    compute_thread & ct = instance(lane);
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
