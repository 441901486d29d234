// One softmax row, generic over Vec<T>; compiled per ISA by softmax_avx512.cpp, softmax_avx2.cpp
// and softmax.cpp (portable). float32 uses the vector exp_neg of simd_math.h (its argument is
// never positive here), float64 vmath.h's vexp.
#pragma once
#include "kernels/simd.h"
#include "kernels/simd_math.h"
#include "kernels/softmax.h"
#include "kernels/vmath.h"

namespace gg::kernels::GG_SIMD_NS {

template <class S>
typename S::V exp_nonpositive(typename S::V a) {
  if constexpr (sizeof(typename S::T) == 4 && S::W > 1) return exp_neg<S>(a);
  else return vexp<S>(a);
}

template <class T>
void softmax_row_impl(const T* x, T* out, int64_t n, SoftmaxMode mode) {
  using S = Vec<T>;
  using V = typename S::V;
  // The maximum, NaN if any element is NaN (then every output is NaN, as the reference's).
  V vm = S::set1(-__builtin_inf());
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) {
    const V v = S::load(x + i);
    vm = v > vm || v != v ? v : vm;
  }
  T lanes[S::W];
  __builtin_memcpy(lanes, &vm, sizeof lanes);
  T mx = lanes[0];
  for (int k = 1; k < S::W; ++k) mx = lanes[k] > mx || lanes[k] != lanes[k] ? lanes[k] : mx;
  for (; i < n; ++i) mx = x[i] > mx || x[i] != x[i] ? x[i] : mx;
  if (mx == -__builtin_inf()) mx = 0;  // every element -inf: exp(-inf) = 0 (softmax is then 0/0)
  const V shift = S::set1(mx);
  // exp(x - max), stored for softmax, summed in a fixed order (lanes, then a tree over them).
  V acc{};
  for_lanes<S>(n, [&](int64_t i, int m) {
    const V e = S::keep(exp_nonpositive<S>(S::load(x + i, m) - shift), m);
    if (mode == SoftmaxMode::Softmax) S::store(out + i, e, m);
    acc += e;
  });
  const T sum = S::hsum(acc);
  if (mode == SoftmaxMode::Softmax) {
    const V inv = S::set1(sum == 0 ? T(0) : T(1) / sum);  // an all--inf row gives zeros (MindSpore)
    for_lanes<S>(n, [&](int64_t i, int m) { S::store(out + i, S::load(out + i, m) * inv, m); });
  } else {
    const T log_sum = sizeof(T) == 4 ? __builtin_logf(sum) : __builtin_log(sum);
    if (mode == SoftmaxMode::LogSumExp) {
      // A +inf element makes the sum inf - inf = NaN: its logsumexp is +inf all the same.
      *out = mx == __builtin_inf() ? mx : mx + log_sum;
    } else {
      // (x - max) - log(sum), never x - (max + log(sum)): with a max of 1e30 the latter rounds
      // the log away. A +inf element leaves the row NaN, as torch's.
      const V l = S::set1(log_sum);
      for_lanes<S>(n, [&](int64_t i, int m) { S::store(out + i, (S::load(x + i, m) - shift) - l, m); });
    }
  }
}

template <class T>
detail::SoftmaxRow<T> softmax_row() {
  return &softmax_row_impl<T>;
}
template detail::SoftmaxRow<float> softmax_row<float>();
template detail::SoftmaxRow<double> softmax_row<double>();

}  // namespace gg::kernels::GG_SIMD_NS
