// Which SIMD path the kernels take. Chosen once from CPUID; tests and benchmarks may force a
// lower one (never a higher one than the CPU has).
#pragma once

namespace gg::kernels {

enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2 };

Isa best_isa();            // the best this CPU supports (AVX2 means AVX2 + FMA)
Isa active_isa();          // what kernels use now; the GRAPHGRAD_ISA environment variable
                           // (portable, avx2, avx512) caps it at start-up
void force_isa(Isa isa);   // clamps to best_isa()
const char* isa_name(Isa isa);

}  // namespace gg::kernels
