// Process-wide llama.cpp set-up and log capture.
#include "pl_backend.h"

#include "pl_error.h"
#ifdef GGML_BACKEND_DL
#include "pl_cpu_dl.h"
#endif

#include "ggml-backend.h"
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <mutex>

namespace pl {

static thread_local std::string t_log;
static int g_verbosity = 0;  // 0: keep errors only, 1: also print warnings, 2: print everything

static void log_callback(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) {
        std::string line(text);
        while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && level == GGML_LOG_LEVEL_ERROR) {
            if (!t_log.empty()) t_log += "; ";
            t_log += line;
            if (t_log.size() > 2000) t_log.erase(0, t_log.size() - 2000);
        }
    }
    if (g_verbosity >= 2 || (g_verbosity >= 1 && level <= GGML_LOG_LEVEL_WARN && level >= GGML_LOG_LEVEL_WARN)) {
        fputs(text, stderr);
    }
}

void backend_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const char * v = std::getenv("PERSIAN_LORA_LOG")) {
            g_verbosity = std::strcmp(v, "debug") == 0 ? 2 : std::strcmp(v, "warn") == 0 ? 1 : 0;
        }
        llama_log_set(log_callback, nullptr);
#ifdef GGML_BACKEND_DL
        load_dynamic_backends();
#endif
        llama_backend_init();
    });
}

std::string backend_log_take() {
    std::string out;
    out.swap(t_log);
    return out;
}

void backend_log_reset() { t_log.clear(); }

std::string backend_devices() {
    backend_init();
    std::string out;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        if (!out.empty()) out += ",";
        out += ggml_backend_dev_name(ggml_backend_dev_get(i));
    }
    return out;
}

ggml_backend_dev_t backend_device(const std::string & name) {
    backend_init();
    const size_t n = ggml_backend_dev_count();
    if (strcasecmp(name.c_str(), "gpu") == 0) {
        for (const enum ggml_backend_dev_type want : { GGML_BACKEND_DEVICE_TYPE_GPU, GGML_BACKEND_DEVICE_TYPE_IGPU }) {
            for (size_t i = 0; i < n; i++) {
                if (ggml_backend_dev_type(ggml_backend_dev_get(i)) == want) return ggml_backend_dev_get(i);
            }
        }
        throw error("ERR_INVALID_OPTION", "Expected a GPU for device \"gpu\" but ggml found only " + backend_devices() + " (this build's backends)");
    }
    for (size_t i = 0; i < n; i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const bool cpu = strcasecmp(name.c_str(), "cpu") == 0 && ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_CPU;
        if (cpu || strcasecmp(name.c_str(), ggml_backend_dev_name(dev)) == 0) return dev;
    }
    throw error("ERR_INVALID_OPTION", "Unknown device \"" + name + "\": expected cpu, gpu or one of the devices ggml found (" + backend_devices() + ")");
}

bool backend_has_gpu() {
    backend_init();
    return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU) || ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_IGPU);
}

std::vector<ggml_backend_dev_t> backend_offload_devices(const std::vector<std::string> & names) {
    std::vector<ggml_backend_dev_t> out;
    for (const std::string & name : names) {
        ggml_backend_dev_t dev = backend_device(name);
        if (ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_CPU) {
            if (names.size() > 1) throw error("ERR_INVALID_OPTION", "Expected cpu alone or a list of other devices for the model's devices but received cpu among " + std::to_string(names.size()));
            return out;
        }
        for (ggml_backend_dev_t seen : out) {
            if (seen == dev) throw error("ERR_INVALID_OPTION", "Expected each device once for the model's devices but received " + name + " twice");
        }
        out.push_back(dev);
    }
    return out;
}

}  // namespace pl
