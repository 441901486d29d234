// The public interface of the vector math (vmath.h): per dtype and ISA, a table of row
// functions over contiguous arrays, y[i] = f(x[i]) for i < n (y may equal x; no alignment
// needed). The elementwise op layer calls these; tests and benchmarks call every ISA's table.
// Accuracy and special values per function: the table at the top of vmath.h.
#pragma once
#include <cstdint>

#include "kernels/cpu.h"

namespace gg::kernels {

template <class T>
struct VmathKernels {
  using Unary = void (*)(const T* x, T* y, int64_t n);
  using Binary = void (*)(const T* a, const T* b, T* y, int64_t n);
  // Transcendentals (vmath.h).
  Unary exp, expm1, log, log1p, sin, cos, tanh, sigmoid, erf, softplus;
  // Exact lane ops (simd.h): round is half to even (numpy.round / rint), sign is numpy's.
  Unary sqrt, floor, ceil, round, trunc, abs, sign;
  // numpy.maximum / minimum (NaN if either is NaN) and copysign(a, b).
  Binary maximum, minimum, copysign;
};

// The table for `isa`, clamped to what this CPU has (so Isa::Avx512 on an AVX2 machine gives
// the AVX2 table). Pass active_isa() for the run-time choice.
template <class T>
const VmathKernels<T>& vmath_kernels(Isa isa);

// One instance per ISA namespace (vmath_avx512.cpp, vmath_avx2.cpp, vmath.cpp).
namespace avx512 { template <class T> const VmathKernels<T>& vmath_table(); }
namespace avx2 { template <class T> const VmathKernels<T>& vmath_table(); }
namespace portable { template <class T> const VmathKernels<T>& vmath_table(); }

}  // namespace gg::kernels
