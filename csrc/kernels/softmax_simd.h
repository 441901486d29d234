// One softmax row, and rows of sparse softmax cross-entropy, generic over Vec<T>; compiled per
// ISA by softmax_avx512.cpp, softmax_avx2.cpp and softmax.cpp (portable). float32 uses the
// vector exp_neg of simd_math.h (its argument is never positive here), float64 vmath.h's vexp.
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

// The maximum, NaN if any element is NaN (then every output is NaN, as the reference's); 0
// when every element is -inf: exp(-inf) = 0 (softmax is then 0/0).
template <class T>
T row_max(const T* x, int64_t n) {
  using S = Vec<T>;
  using V = typename S::V;
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
  return mx == -__builtin_inf() ? T(0) : mx;
}

// sum of exp(x - mx) over the row, in a fixed order (lanes, then a tree over them); each exp
// also goes to `store` when it is given.
template <class T>
T exp_sum(const T* x, int64_t n, T mx, T* store) {
  using S = Vec<T>;
  using V = typename S::V;
  const V shift = S::set1(mx);
  V acc{};
  for_lanes<S>(n, [&](int64_t i, int m) {
    const V e = S::keep(exp_nonpositive<S>(S::load(x + i, m) - shift), m);
    if (store) S::store(store + i, e, m);
    acc += e;
  });
  return S::hsum(acc);
}

template <class T>
void softmax_row_impl(const T* x, T* out, int64_t n, SoftmaxMode mode) {
  using S = Vec<T>;
  using V = typename S::V;
  const T mx = row_max(x, n);
  const V shift = S::set1(mx);
  const T sum = exp_sum(x, n, mx, mode == SoftmaxMode::Softmax ? out : nullptr);  // softmax keeps the exps
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

// log(sum exp(x - max)) - (x[label] - max), the log_softmax's own rounding; the exps go to grad
// on the way and are scaled there in a second pass over the row.
template <class T>
T xent_row(const T* x, int64_t label, int64_t n, T coef, T* grad) {
  using S = Vec<T>;
  using V = typename S::V;
  const T mx = row_max(x, n);
  const T sum = exp_sum(x, n, mx, grad);
  if (grad) {
    const V scale = S::set1(coef / sum);
    for_lanes<S>(n, [&](int64_t i, int m) { S::store(grad + i, S::load(grad + i, m) * scale, m); });
    grad[label] -= coef;
  }
  return (sizeof(T) == 4 ? __builtin_logf(sum) : __builtin_log(sum)) - (x[label] - mx);
}

// Up to 16 classes: W rows at once, one row per lane, transposed through a local buffer (a
// short row alone would leave most lanes idle and pay a horizontal sum and a scalar log).
constexpr int64_t kXentBlockClasses = 16;

template <class T>
void xent_block(const T* x, const int64_t* labels, int64_t n, T coef, T* grad, T* loss) {
  using S = Vec<T>;
  using V = typename S::V;
  T buf[kXentBlockClasses][S::W], picked[S::W];
  for (int k = 0; k < S::W; ++k) {
    for (int64_t j = 0; j < n; ++j) buf[j][k] = x[k * n + j];
    picked[k] = labels[k] >= 0 ? x[k * n + labels[k]] : T(0);
  }
  V mx = S::load(buf[0]);
  for (int64_t j = 1; j < n; ++j) {
    const V v = S::load(buf[j]);
    mx = v > mx || v != v ? v : mx;
  }
  mx = mx == S::set1(-__builtin_inf()) ? V{} : mx;  // an all -inf row, as row_max
  V sum{};
  for (int64_t j = 0; j < n; ++j) {
    const V e = exp_nonpositive<S>(S::load(buf[j]) - mx);
    S::store(buf[j], e);
    sum += e;
  }
  S::store(loss, vlog<S>(sum) - (S::load(picked) - mx));
  if (!grad) return;
  const V scale = S::set1(coef) / sum;
  for (int64_t j = 0; j < n; ++j) S::store(buf[j], S::load(buf[j]) * scale);
  for (int k = 0; k < S::W; ++k) {
    for (int64_t j = 0; j < n; ++j) grad[k * n + j] = buf[j][k];
    if (labels[k] >= 0) grad[k * n + labels[k]] -= coef;
  }
}

template <class T>
void xent_rows_impl(const T* x, const int64_t* labels, int64_t rows, int64_t n, T coef, T* grad, T* loss) {
  constexpr int W = Vec<T>::W;
  int64_t r = 0;
  if (W > 1 && n <= kXentBlockClasses)
    for (; r + W <= rows; r += W) xent_block(x + r * n, labels + r, n, coef, grad ? grad + r * n : nullptr, loss + r);
  for (; r < rows; ++r)
    if (labels[r] >= 0) loss[r] = xent_row(x + r * n, labels[r], n, coef, grad ? grad + r * n : nullptr);
}

template <class T>
detail::SoftmaxRow<T> softmax_row() {
  return &softmax_row_impl<T>;
}
template detail::SoftmaxRow<float> softmax_row<float>();
template detail::SoftmaxRow<double> softmax_row<double>();
template <class T>
detail::XentRows<T> xent_rows() {
  return &xent_rows_impl<T>;
}
template detail::XentRows<float> xent_rows<float>();
template detail::XentRows<double> xent_rows<double>();

}  // namespace gg::kernels::GG_SIMD_NS
