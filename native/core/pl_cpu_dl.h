// A build whose ggml backends are libraries loaded at run time (GGML_BACKEND_DL: the prebuild, one CPU library per
// x86-64 ISA level): loads them from the directory of the library this code is linked into.
#pragma once

namespace pl {

// Loads ggml's backend libraries beside this one (ggml picks the CPU variant that scores best on this CPU).
// Throws pl::error ERR_BACKEND when no CPU backend loads. Called once, by backend_init().
void load_dynamic_backends();

}  // namespace pl
