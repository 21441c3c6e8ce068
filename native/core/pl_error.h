// The error type native/core throws: a stable code (mirrored by lib/errors.ts) and a message for the user.
#pragma once

#include <stdexcept>
#include <string>

namespace pl {

struct error : std::runtime_error {
    std::string code;  // e.g. "ERR_MODEL_LOAD"; see lib/errors.ts
    error(std::string code, const std::string & message) : std::runtime_error(message), code(std::move(code)) {}
};

}  // namespace pl
