// The row functions of VmathKernels, generated from vmath.h / simd.h once per ISA: included
// only by vmath_avx512.cpp, vmath_avx2.cpp and vmath.cpp (each instance lives in its own
// GG_SIMD_NS namespace).
#pragma once
#include "kernels/vmath.h"
#include "kernels/vmath_table.h"

namespace gg::kernels::GG_SIMD_NS {

// Load, f, store a vector at a time, the tail through a masked load and store (its unused lanes
// hold 0, which no function minds).
template <class T, typename Vec<T>::V (*F)(typename Vec<T>::V)>
void unary_row(const T* x, T* y, int64_t n) {
  using S = Vec<T>;
  for_lanes<S>(n, [&](int64_t i, int m) { S::store(y + i, F(S::load(x + i, m)), m); });
}

template <class T, typename Vec<T>::V (*F)(typename Vec<T>::V, typename Vec<T>::V)>
void binary_row(const T* a, const T* b, T* y, int64_t n) {
  using S = Vec<T>;
  for_lanes<S>(n, [&](int64_t i, int m) { S::store(y + i, F(S::load(a + i, m), S::load(b + i, m)), m); });
}

// The Vec members as plain functions of one vector, to take their address as template args.
template <class S> typename S::V v_sqrt(typename S::V v) { return S::sqrt(v); }
template <class S> typename S::V v_floor(typename S::V v) { return S::floor(v); }
template <class S> typename S::V v_ceil(typename S::V v) { return S::ceil(v); }
template <class S> typename S::V v_rint(typename S::V v) { return S::rint(v); }
template <class S> typename S::V v_trunc(typename S::V v) { return S::trunc(v); }
template <class S> typename S::V v_abs(typename S::V v) { return S::abs(v); }
template <class S> typename S::V v_copysign(typename S::V a, typename S::V b) { return S::copysign(a, b); }

template <class T>
const VmathKernels<T>& vmath_table() {
  using S = Vec<T>;
  static const VmathKernels<T> k{
      &unary_row<T, vexp<S>>,    &unary_row<T, vexpm1<S>>,  &unary_row<T, vlog<S>>,
      &unary_row<T, vlog1p<S>>,  &unary_row<T, vsin<S>>,    &unary_row<T, vcos<S>>,
      &unary_row<T, vtanh<S>>,   &unary_row<T, vsigmoid<S>>, &unary_row<T, verf<S>>,
      &unary_row<T, vsoftplus<S>>,
      &unary_row<T, v_sqrt<S>>,  &unary_row<T, v_floor<S>>, &unary_row<T, v_ceil<S>>,
      &unary_row<T, v_rint<S>>,  &unary_row<T, v_trunc<S>>, &unary_row<T, v_abs<S>>,
      &unary_row<T, sign<S>>,
      &binary_row<T, vmax<S>>,   &binary_row<T, vmin<S>>,   &binary_row<T, v_copysign<S>>};
  return k;
}
template const VmathKernels<float>& vmath_table<float>();
template const VmathKernels<double>& vmath_table<double>();

}  // namespace gg::kernels::GG_SIMD_NS
