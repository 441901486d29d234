// The portable build of the vector math rows (<cmath>, one lane) and the per-ISA choice.
#include "kernels/vmath_rows.h"

#include <algorithm>

namespace gg::kernels {

template <class T>
const VmathKernels<T>& vmath_kernels(Isa isa) {
  switch (std::min(isa, best_isa())) {
    case Isa::Avx512: return avx512::vmath_table<T>();
    case Isa::Avx2: return avx2::vmath_table<T>();
    default: return portable::vmath_table<T>();
  }
}
template const VmathKernels<float>& vmath_kernels<float>(Isa);
template const VmathKernels<double>& vmath_kernels<double>(Isa);

}  // namespace gg::kernels
