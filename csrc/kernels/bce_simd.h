// The inner loops of bce_forward / bce_backward, generic over Vec<T> (simd.h). Included by
// bce_avx512.cpp and bce_avx2.cpp (float32, with simd_math.h's exp/log1p) and by bce.cpp (the
// portable scalar instance, float32 and float64, with std::exp/std::log1p).
//
// Every output is written as c_neg * f(-x) + c_pos * f(x), f = softplus or sigmoid, with the
// coefficients from (y, w, pw, g) per quantity (see bce.h):
//   forward    c_neg = w pw y        c_pos = w (1 - y)     f = softplus
//   Logits     c_neg = -g w pw y     c_pos = g w (1 - y)   f = sigmoid
//   Label      c_neg = g w pw        c_pos = -g w          f = softplus
//   Weight     c_neg = g pw y        c_pos = g (1 - y)     f = softplus
//   PosWeight  c_neg = g w y         c_pos = 0             f = softplus
// Both f(x) and f(-x) come from one e = exp(-|x|): softplus(+-x) = max(+-x, 0) + log1p(e),
// sigmoid(|x|) = 1 / (1 + e), sigmoid(-|x|) = e / (1 + e). A softplus term whose coefficient is
// exactly 0 is 0 even when x = +-inf makes the softplus infinite (the limit, not 0 * inf = NaN).
#pragma once
#include "kernels/kernel_tables.h"
#include "kernels/simd.h"
#include "kernels/simd_math.h"

namespace gg::kernels::GG_SIMD_NS {

enum class BceOut { Forward, Logits, Label, Weight, PosWeight };

// c * s, but 0 when c == 0 and s is not NaN (s = inf there means x = +-inf: take the limit).
template <class S>
inline typename S::V mul0(typename S::V c, typename S::V s) {
  using V = typename S::V;
  return ((c == 0) & (s == s)) ? V{} : c * s;
}

template <class S, BceOut K>
inline typename S::V bce_value(typename S::V x, typename S::V y, typename S::V w, typename S::V pw,
                               typename S::V g) {
  using V = typename S::V;
  const V one = S::set1(1);
  const V e = exp_neg<S>(-S::abs(x));
  if constexpr (K == BceOut::Logits) {
    const V r = one / (one + e), er = e * r;
    const auto pos = x >= 0;
    const V sig_x = pos ? r : er, sig_nx = pos ? er : r;
    const V gw = g * w;
    return (gw * (one - y)) * sig_x - (gw * pw * y) * sig_nx;
  } else {
    const V l = log1p01<S>(e);
    const V sp_x = max0<S>(x) + l, sp_nx = max0<S>(-x) + l;
    if constexpr (K == BceOut::Forward) return mul0<S>(w * pw * y, sp_nx) + mul0<S>(w * (one - y), sp_x);
    if constexpr (K == BceOut::Label) return mul0<S>(g * w * pw, sp_nx) - mul0<S>(g * w, sp_x);
    if constexpr (K == BceOut::Weight) return mul0<S>(g * pw * y, sp_nx) + mul0<S>(g * (one - y), sp_x);
    if constexpr (K == BceOut::PosWeight) return mul0<S>(g * w * y, sp_nx);
  }
}

// One row: loads (broadcast operands once if their stride is 0), computes, hands each vector to
// sink(i, m, v).
template <class T, BceOut K, class Sink>
inline void bce_row(const detail::BceRow<T>& r, Sink&& sink) {
  using S = Vec<T>;
  using V = typename S::V;
  const V w0 = S::set1(*r.w), pw0 = S::set1(*r.pw), gs = S::set1(r.gscale);
  const V g0 = K == BceOut::Forward ? S::set1(1) : S::set1(*r.g * r.gscale);
  for_lanes<S>(r.n, [&](int64_t i, int m) {
    const V x = S::load(r.x + i, m), y = S::load(r.y + i, m);
    const V w = r.sw ? S::load(r.w + i, m) : w0;
    const V pw = r.spw ? S::load(r.pw + i, m) : pw0;
    V g = g0;
    if (K != BceOut::Forward && r.sg) g = S::load(r.g + i, m) * gs;
    sink(i, m, bce_value<S, K>(x, y, w, pw, g));
  });
}

template <class T>
void bce_forward_row(const detail::BceRow<T>& r) {
  bce_row<T, BceOut::Forward>(r, [&](int64_t i, int m, auto v) { Vec<T>::store(r.out + i, v, m); });
}

// Lanes accumulate in double (float losses widened), combined in a fixed lane order.
template <class T>
double bce_forward_sum_row(const detail::BceRow<T>& r) {
  using S = Vec<T>;
  typename S::Wide acc;
  bce_row<T, BceOut::Forward>(r, [&](int64_t, int m, auto v) { S::add_wide(acc, S::keep(v, m)); });
  return S::sum_wide(acc);
}

template <class T>
void bce_backward_row(const detail::BceRow<T>& r, BceWrt wrt) {
  auto store = [&](int64_t i, int m, auto v) { Vec<T>::store(r.out + i, v, m); };
  switch (wrt) {
    case BceWrt::Logits: return bce_row<T, BceOut::Logits>(r, store);
    case BceWrt::Label: return bce_row<T, BceOut::Label>(r, store);
    case BceWrt::Weight: return bce_row<T, BceOut::Weight>(r, store);
    case BceWrt::PosWeight: return bce_row<T, BceOut::PosWeight>(r, store);
  }
}

// The forward and the logits gradient from one e = exp(-|x|), with bce_value's exact arithmetic
// for each, so the results equal the separate kernels' bit for bit.
template <class T>
double bce_fused_row(const detail::BceRow<T>& r) {
  using S = Vec<T>;
  using V = typename S::V;
  const V one = S::set1(1);
  const V w0 = S::set1(*r.w), pw0 = S::set1(*r.pw), gs = S::set1(r.gscale), g0 = S::set1(*r.g * r.gscale);
  typename S::Wide acc;
  for_lanes<S>(r.n, [&](int64_t i, int m) {
    const V x = S::load(r.x + i, m), y = S::load(r.y + i, m);
    const V w = r.sw ? S::load(r.w + i, m) : w0;
    const V pw = r.spw ? S::load(r.pw + i, m) : pw0;
    const V g = r.sg ? S::load(r.g + i, m) * gs : g0;
    const V e = exp_neg<S>(-S::abs(x));
    const V l = log1p01<S>(e);
    const V sp_x = max0<S>(x) + l, sp_nx = max0<S>(-x) + l;
    const V loss = mul0<S>(w * pw * y, sp_nx) + mul0<S>(w * (one - y), sp_x);
    const V q = one / (one + e), eq = e * q;
    const auto pos = x >= 0;
    const V sig_x = pos ? q : eq, sig_nx = pos ? eq : q;
    const V gw = g * w;
    S::store(r.dx + i, (gw * (one - y)) * sig_x - (gw * pw * y) * sig_nx, m);
    if (r.out) S::store(r.out + i, loss, m);
    else S::add_wide(acc, S::keep(loss, m));
  });
  return S::sum_wide(acc);
}

template <class T>
void exp_neg_array(const T* a, T* out, int64_t n) {
  using S = Vec<T>;
  for_lanes<S>(n, [&](int64_t i, int m) { S::store(out + i, exp_neg<S>(S::load(a + i, m)), m); });
}
template <class T>
void log1p01_array(const T* e, T* out, int64_t n) {
  using S = Vec<T>;
  for_lanes<S>(n, [&](int64_t i, int m) { S::store(out + i, log1p01<S>(S::load(e + i, m)), m); });
}

template <class T>
const detail::BceKernels<T>& bce_table() {
  static const detail::BceKernels<T> k{&bce_forward_row<T>, &bce_forward_sum_row<T>, &bce_backward_row<T>,
                                       &bce_fused_row<T>, &exp_neg_array<T>, &log1p01_array<T>};
  return k;
}
template const detail::BceKernels<float>& bce_table<float>();
#ifdef GG_SIMD_PORTABLE
template const detail::BceKernels<double>& bce_table<double>();
#endif

}  // namespace gg::kernels::GG_SIMD_NS
