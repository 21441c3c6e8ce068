// AbortToken: a JS-visible flag that blocking native calls poll, wired to an AbortSignal by the TS layer.
#pragma once

#include "napi_util.h"

namespace addon {

class abort_token : public Napi::ObjectWrap<abort_token> {
  public:
    static Napi::Function define(Napi::Env env);
    explicit abort_token(const Napi::CallbackInfo & info);
    const pl::abort_flag & flag() const { return flag_; }

  private:
    Napi::Value abort(const Napi::CallbackInfo & info);
    Napi::Value aborted(const Napi::CallbackInfo & info);
    pl::abort_flag flag_;
};

}  // namespace addon
