// Shared Node-API glue: typed JS errors with a .code, argument checks, and the Promise-returning worker base.
#pragma once

#include <napi.h>

#include "compute_thread.h"
#include "pl_error.h"
#include "pl_session.h"

#include <functional>
#include <string>
#include <vector>

namespace addon {

// Constructors registered at init, used to create and recognise wrapped objects.
struct instance_data {
    Napi::FunctionReference model;
    Napi::FunctionReference context;
    Napi::FunctionReference adapter;
    Napi::FunctionReference abort_token;
    Napi::FunctionReference trainer;
};

inline instance_data & data(Napi::Env env) { return *env.GetInstanceData<instance_data>(); }

inline Napi::Error make_error(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

[[noreturn]] inline void throw_error(Napi::Env env, const std::string & code, const std::string & message) {
    throw make_error(env, code, message);
}

// Runs a synchronous method body, turning native exceptions into JS errors with a .code.
template <class F> Napi::Value guarded(Napi::Env env, F && body) {
    try {
        return body();
    } catch (const Napi::Error &) {
        throw;
    } catch (const pl::error & e) {
        throw make_error(env, e.code, e.what());
    } catch (const std::exception & e) {
        throw make_error(env, "ERR_NATIVE", e.what());
    }
}

// Argument checks: a bad call from JS is a JS exception, never a process abort.
std::string           arg_string(const Napi::CallbackInfo & info, size_t i, const char * name);
bool                  arg_bool(const Napi::CallbackInfo & info, size_t i, const char * name);
double                arg_number(const Napi::CallbackInfo & info, size_t i, const char * name, double min, double max);
std::vector<int32_t>  arg_tokens(const Napi::CallbackInfo & info, size_t i, const char * name);
std::vector<int32_t>  to_tokens(Napi::Env env, const Napi::Value & v, const std::string & name);
pl::abort_flag        arg_abort(const Napi::CallbackInfo & info, size_t i);  // undefined -> no flag
Napi::Uint32Array     tokens_to_js(Napi::Env env, const std::vector<int32_t> & tokens);
// Reads an optional numeric property of an options object.
double                opt_number(const Napi::Object & o, const char * key, double fallback, double min, double max);

// Runs `work` on the thread pool and settles a Promise with `finish(env)`; pl::error codes reach JS as err.code.
class promise_worker : public Napi::AsyncWorker {
  public:
    promise_worker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> finish, std::string lane = "")
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), finish_(std::move(finish)), lane_(std::move(lane)) {}

    // lane: the compute thread (run_on_compute_thread); "" the shared one.
    static Napi::Promise run(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> finish, std::string lane = "") {
        auto * w = new promise_worker(env, std::move(work), std::move(finish), std::move(lane));
        Napi::Promise p = w->deferred_.Promise();
        w->Queue();
        return p;
    }

  protected:
    void Execute() override {
        try {
            run_on_compute_thread(work_, lane_);
        } catch (const pl::error & e) {
            code_ = e.code;
            SetError(e.what());
        } catch (const std::exception & e) {
            code_ = "ERR_NATIVE";
            SetError(e.what());
        }
    }
    void OnOK() override {
        try {
            deferred_.Resolve(finish_(Env()));
        } catch (const Napi::Error & e) {
            deferred_.Reject(e.Value());
        }
    }
    void OnError(const Napi::Error & e) override { deferred_.Reject(make_error(Env(), code_, e.Message()).Value()); }

    Napi::Promise::Deferred                deferred_;
    std::function<void()>                  work_;
    std::function<Napi::Value(Napi::Env)>  finish_;
    std::string                            code_ = "ERR_NATIVE";
    std::string                            lane_;
};

}  // namespace addon
