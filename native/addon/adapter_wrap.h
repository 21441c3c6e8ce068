// AddonAdapter: a LoRA adapter loaded for one model, applied to contexts with a scale.
#pragma once

#include "napi_util.h"
#include "pl_model.h"

namespace addon {

class adapter_wrap : public Napi::ObjectWrap<adapter_wrap> {
  public:
    static Napi::Function define(Napi::Env env);
    static Napi::Value    wrap(Napi::Env env, std::shared_ptr<pl::adapter> a);
    explicit adapter_wrap(const Napi::CallbackInfo & info);
    const std::shared_ptr<pl::adapter> & get(Napi::Env env) const;

  private:
    Napi::Value info(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);
    std::shared_ptr<pl::adapter> adapter_;
};

}  // namespace addon
