// Process-wide llama.cpp set-up and log capture.
#include "pl_backend.h"

#include "ggml-backend.h"
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

}  // namespace pl
