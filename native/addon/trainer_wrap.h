// AddonTrainer: a LoRA trainer on a frozen GGUF base; each blocking call is a worker returning a Promise.
#pragma once

#include "napi_util.h"
#include "pl_trainer.h"

#include <atomic>

namespace addon {

class trainer_wrap : public Napi::ObjectWrap<trainer_wrap> {
  public:
    static Napi::Function define(Napi::Env env);
    // createTrainer(path, {rank, alpha, rsLora, targets, seed, threads, backward, rowsFrom, device, portable}) -> Promise<AddonTrainer>
    static Napi::Value create(const Napi::CallbackInfo & info);
    explicit trainer_wrap(const Napi::CallbackInfo & info);

  private:
    // The trainer for a new call; rejects a second call while one is running (the TS layer queues calls).
    std::shared_ptr<pl::trainer> acquire(Napi::Env env);
    Napi::Value run(Napi::Env env, std::function<void(pl::trainer &)> work, std::function<Napi::Value(Napi::Env)> finish);

    Napi::Value info(const Napi::CallbackInfo & info);
    Napi::Value graph_ops(const Napi::CallbackInfo & info);
    Napi::Value logits(const Napi::CallbackInfo & info);
    Napi::Value loss(const Napi::CallbackInfo & info);
    Napi::Value gradients(const Napi::CallbackInfo & info);
    Napi::Value step(const Napi::CallbackInfo & info);
    Napi::Value get_gradient(const Napi::CallbackInfo & info);
    Napi::Value get_parameter(const Napi::CallbackInfo & info);
    Napi::Value set_parameter(const Napi::CallbackInfo & info);
    Napi::Value get_moment(const Napi::CallbackInfo & info);
    Napi::Value set_moment(const Napi::CallbackInfo & info);
    Napi::Value set_steps(const Napi::CallbackInfo & info);
    Napi::Value export_adapter(const Napi::CallbackInfo & info);
    Napi::Value export_base(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);

    std::shared_ptr<pl::trainer>       trainer_;
    std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace addon
