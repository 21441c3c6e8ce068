// AddonModel: a loaded GGUF model (tokenizer, metadata) that creates contexts and loads adapters.
#pragma once

#include "napi_util.h"
#include "pl_model.h"

namespace addon {

class model_wrap : public Napi::ObjectWrap<model_wrap> {
  public:
    static Napi::Function define(Napi::Env env);
    // loadModel(path, {gpuLayers, vocabOnly, useMmap}, onProgress?, abortToken?) -> Promise<AddonModel>
    static Napi::Value load(const Napi::CallbackInfo & info);
    explicit model_wrap(const Napi::CallbackInfo & info);

    // The model, or a JS error if disposed.
    const std::shared_ptr<pl::model> & get(Napi::Env env) const;

  private:
    Napi::Value info(const Napi::CallbackInfo & info);
    Napi::Value tokenize(const Napi::CallbackInfo & info);
    Napi::Value detokenize(const Napi::CallbackInfo & info);
    Napi::Value token_piece(const Napi::CallbackInfo & info);
    Napi::Value apply_chat_template(const Napi::CallbackInfo & info);
    Napi::Value create_context(const Napi::CallbackInfo & info);
    Napi::Value load_adapter(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);

    std::shared_ptr<pl::model> model_;
};

}  // namespace addon
