#include "kernels/cpu.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace gg::kernels {

Isa best_isa() {
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
      return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
    return Isa::Portable;
  }();
  return best;
}

namespace {
Isa initial_isa() {
  Isa isa = best_isa();
  if (const char* env = std::getenv("GRAPHGRAD_ISA")) {
    if (!std::strcmp(env, "portable")) isa = Isa::Portable;
    else if (!std::strcmp(env, "avx2")) isa = std::min(isa, Isa::Avx2);
  }
  return isa;
}
std::atomic<Isa> g_isa{initial_isa()};
}  // namespace

Isa active_isa() { return g_isa.load(std::memory_order_relaxed); }
void force_isa(Isa isa) { g_isa.store(std::min(isa, best_isa()), std::memory_order_relaxed); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

}  // namespace gg::kernels
