// ggml's CPU functions in a GGML_BACKEND_DL build (see pl_cpu_dl.h). The core calls ggml-cpu.h's functions as it
// does in a static build; here they are defined as forwards to the same functions of the CPU library ggml loaded
// (that library exports them; nothing links against it, since which one loads depends on the CPU).
#include "pl_cpu_dl.h"
#include "pl_error.h"

#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace pl {

namespace {

std::string directory_of(const void * address) {
    Dl_info info{};
    if (!dladdr(address, &info) || !info.dli_fname) return ".";
    const std::string file = info.dli_fname;
    const size_t slash = file.rfind('/');
    return slash == std::string::npos ? "." : file.substr(0, slash);
}

// The loaded CPU library's handle, found through a function it registered.
void * cpu_library() {
    static void * handle = [] () -> void * {
        ggml_backend_reg_t reg = ggml_backend_reg_by_name("CPU");
        void * fn = reg ? ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads") : nullptr;
        Dl_info info{};
        if (!fn || !dladdr(fn, &info) || !info.dli_fname) return nullptr;
        return dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    }();
    return handle;
}

// The CPU library's function `name`; a missing one is a broken install, reported and fatal.
template <typename F>
F cpu_function(const char * name) {
    void * handle = cpu_library();
    void * f = handle ? dlsym(handle, name) : nullptr;
    if (!f) {
        std::fprintf(stderr, "persian-lora: ggml's CPU backend library %s (%s)\n", handle ? "lacks the function" : "is not loaded", name);
        std::abort();
    }
    return reinterpret_cast<F>(f);
}

}  // namespace

void load_dynamic_backends() {
    const std::string dir = directory_of(reinterpret_cast<const void *>(&load_dynamic_backends));
    ggml_backend_load_all_from_path(dir.c_str());
    if (!ggml_backend_reg_by_name("CPU")) {
        throw error("ERR_BACKEND", "No ggml CPU backend library (libggml-cpu-*.so) in " + dir +
                                   " loads on this CPU: reinstall persian-lora, or build from source (PERSIAN_LORA_BUILD_FROM_SOURCE=1 npm install)");
    }
}

}  // namespace pl

// The ggml-cpu.h functions the core calls, forwarded (each resolved once).
extern "C" {

const struct ggml_type_traits_cpu * ggml_get_type_traits_cpu(enum ggml_type type) {
    static const auto f = pl::cpu_function<const struct ggml_type_traits_cpu * (*)(enum ggml_type)>("ggml_get_type_traits_cpu");
    return f(type);
}

enum ggml_status ggml_graph_compute_with_ctx(struct ggml_context * ctx, struct ggml_cgraph * cgraph, int n_threads) {
    static const auto f = pl::cpu_function<enum ggml_status (*)(struct ggml_context *, struct ggml_cgraph *, int)>("ggml_graph_compute_with_ctx");
    return f(ctx, cgraph, n_threads);
}

bool ggml_backend_is_cpu(ggml_backend_t backend) {
    static const auto f = pl::cpu_function<bool (*)(ggml_backend_t)>("ggml_backend_is_cpu");
    return f(backend);
}

void ggml_backend_cpu_set_n_threads(ggml_backend_t backend_cpu, int n_threads) {
    static const auto f = pl::cpu_function<void (*)(ggml_backend_t, int)>("ggml_backend_cpu_set_n_threads");
    f(backend_cpu, n_threads);
}

}  // extern "C"
