// AddonContext: an inference session; every blocking call is a worker returning a Promise.
#pragma once

#include "napi_util.h"
#include "pl_session.h"

#include <atomic>

namespace addon {

class context_wrap : public Napi::ObjectWrap<context_wrap> {
  public:
    static Napi::Function define(Napi::Env env);
    static Napi::Value    wrap(Napi::Env env, std::shared_ptr<pl::session> s);
    explicit context_wrap(const Napi::CallbackInfo & info);

  private:
    // The session for a new call; rejects a second call while one is running (the TS layer queues calls).
    std::shared_ptr<pl::session> acquire(Napi::Env env);
    Napi::Value run(Napi::Env env, std::function<void(pl::session &)> work, std::function<Napi::Value(Napi::Env)> finish);

    Napi::Value info(const Napi::CallbackInfo & info);
    Napi::Value logits(const Napi::CallbackInfo & info);
    Napi::Value score(const Napi::CallbackInfo & info);
    Napi::Value generation_begin(const Napi::CallbackInfo & info);
    Napi::Value generation_next(const Napi::CallbackInfo & info);
    Napi::Value batch_begin(const Napi::CallbackInfo & info);
    Napi::Value batch_next(const Napi::CallbackInfo & info);
    Napi::Value batch_stop(const Napi::CallbackInfo & info);
    Napi::Value set_adapters(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);

    std::shared_ptr<pl::session>       session_;
    std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace addon
