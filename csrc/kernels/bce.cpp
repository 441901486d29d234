#include "kernels/bce.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/bce_simd.h"  // the portable (scalar, std:: math) instance of the inner loops
#include "kernels/cpu.h"
#include "kernels/partition.h"

namespace gg::kernels {

namespace {
// log(1 + e^t) without overflow: max(t, 0) + log1p(e^-|t|).
template <class T>
T softplus(T t) { return std::max(t, T(0)) + std::log1p(std::exp(-std::abs(t))); }
template <class T>
T sigmoid(T t) {  // never forms e^t for large t
  const T e = std::exp(-std::abs(t));
  return t >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
}
// c * s, except that a zero coefficient wins over an infinite softplus (x = +-inf): the limit of
// the loss there, where 0 * inf would give NaN. A NaN s (x is NaN) stays NaN.
template <class T>
T mul0(T c, T s) { return c == 0 && !std::isnan(s) ? T(0) : c * s; }
}  // namespace

template <class T>
void bce_forward_ref(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, T* out, Reduction r) {
  const int64_t n = bc.inner();
  const int64_t sw = bc.inner_stride(3), spw = bc.inner_stride(4);
  double acc = 0;
  bc.for_each_row([&](const auto& off) {
    for (int64_t i = 0; i < n; ++i) {
      const T xv = x[off[1] + i], yv = y[off[2] + i];
      const T wv = w ? w[off[3] + i * sw] : T(1);
      const T pwv = pw ? pw[off[4] + i * spw] : T(1);
      const T l = mul0(wv * pwv * yv, softplus(-xv)) + mul0(wv * (T(1) - yv), softplus(xv));
      if (r == Reduction::None) out[off[0] + i] = l;
      else acc += l;
    }
  });
  if (r == Reduction::Sum) out[0] = T(acc);
  if (r == Reduction::Mean) out[0] = T(acc / double(bc.numel));
}

template <class T>
void bce_backward_ref(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* out,
                      Reduction r, BceWrt wrt) {
  const int64_t n = bc.inner();
  const int64_t sw = bc.inner_stride(3), spw = bc.inner_stride(4), sg = bc.inner_stride(5);
  const T scale = r == Reduction::Mean ? T(1) / T(bc.numel) : T(1);
  bc.for_each_row([&](const auto& off) {
    for (int64_t i = 0; i < n; ++i) {
      const T xv = x[off[1] + i], yv = y[off[2] + i];
      const T wv = w ? w[off[3] + i * sw] : T(1);
      const T pwv = pw ? pw[off[4] + i * spw] : T(1);
      const T gv = g[off[5] + i * sg] * scale;
      T d;
      switch (wrt) {
        case BceWrt::Logits: d = (gv * wv * (T(1) - yv)) * sigmoid(xv) - (gv * wv * pwv * yv) * sigmoid(-xv); break;
        case BceWrt::Label: d = mul0(gv * wv * pwv, softplus(-xv)) - mul0(gv * wv, softplus(xv)); break;
        case BceWrt::Weight: d = mul0(gv * pwv * yv, softplus(-xv)) + mul0(gv * (T(1) - yv), softplus(xv)); break;
        default: d = mul0(gv * wv * yv, softplus(-xv)); break;
      }
      out[off[0] + i] = d;
    }
  });
}

template <class T>
const detail::BceKernels<T>& detail::bce_kernels(Isa isa) {
  if constexpr (std::is_same_v<T, float>) {
    switch (std::min(isa, best_isa())) {
      case Isa::Avx512: return avx512::bce_table<float>();
      case Isa::Avx2: return avx2::bce_table<float>();
      default: break;
    }
  }
  return portable::bce_table<T>();
}

namespace {

template <class T>
constexpr T kOne = T(1);  // stands in for an absent weight / pos_weight (stride 0)

// The BceRow for elements [i0, i0 + len) of the row at offsets off.
template <class T, class Off>
detail::BceRow<T> make_row(const Broadcast& bc, const Off& off, int64_t i0, int64_t len, const T* x, const T* y,
                          const T* w, const T* pw, const T* g, T* out, T gscale) {
  const int64_t sw = w ? bc.inner_stride(3) : 0, spw = pw ? bc.inner_stride(4) : 0;
  const int64_t sg = g ? bc.inner_stride(5) : 0;
  detail::BceRow<T> r;
  r.x = x + off[1] + i0;
  r.y = y + off[2] + i0;
  r.w = w ? w + off[3] + i0 * sw : &kOne<T>;
  r.pw = pw ? pw + off[4] + i0 * spw : &kOne<T>;
  r.g = g ? g + off[5] + i0 * sg : nullptr;
  r.sw = sw;
  r.spw = spw;
  r.sg = sg;
  r.out = out ? out + off[0] + i0 : nullptr;
  r.dx = nullptr;
  r.n = len;
  r.gscale = gscale;
  return r;
}

}  // namespace

// Sum and Mean: one double partial per task of the fixed split, added in task order.
template <class T>
void bce_forward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, T* out, Reduction r) {
  const auto& k = detail::bce_kernels<T>(active_isa());
  const detail::Split s = detail::split(bc);
  if (r == Reduction::None) {
    detail::for_each_piece(bc, s, [&](int64_t, const auto& off, int64_t i0, int64_t len) {
      k.forward(make_row<T>(bc, off, i0, len, x, y, w, pw, nullptr, out, T(1)));
    });
    return;
  }
  std::vector<double> part(s.tasks, 0.0);
  detail::for_each_piece(bc, s, [&](int64_t t, const auto& off, int64_t i0, int64_t len) {
    part[t] += k.forward_sum(make_row<T>(bc, off, i0, len, x, y, w, pw, nullptr, nullptr, T(1)));
  });
  double acc = 0;
  for (double p : part) acc += p;
  out[0] = r == Reduction::Sum ? T(acc) : T(acc / double(bc.numel));
}

template <class T>
void bce_forward_backward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* loss,
                          T* dx, Reduction r) {
  const auto& k = detail::bce_kernels<T>(active_isa());
  const detail::Split s = detail::split(bc);
  const T scale = r == Reduction::Mean ? T(1) / T(bc.numel) : T(1);
  std::vector<double> part(s.tasks, 0.0);  // the same tasks, partials and order as bce_forward
  detail::for_each_piece(bc, s, [&](int64_t t, const auto& off, int64_t i0, int64_t len) {
    detail::BceRow<T> row = make_row<T>(bc, off, i0, len, x, y, w, pw, g, r == Reduction::None ? loss : nullptr, scale);
    row.dx = dx + off[0] + i0;
    part[t] += k.fused(row);
  });
  if (r == Reduction::None) return;
  double acc = 0;
  for (double p : part) acc += p;
  loss[0] = r == Reduction::Sum ? T(acc) : T(acc / double(bc.numel));
}

template <class T>
void bce_backward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* out,
                  Reduction r, BceWrt wrt) {
  const auto& k = detail::bce_kernels<T>(active_isa());
  const T scale = r == Reduction::Mean ? T(1) / T(bc.numel) : T(1);
  detail::for_each_piece(bc, detail::split(bc), [&](int64_t, const auto& off, int64_t i0, int64_t len) {
    k.backward(make_row<T>(bc, off, i0, len, x, y, w, pw, g, out, scale), wrt);
  });
}

#define GG_INSTANTIATE(T)                                                                                   \
  template void bce_forward_ref<T>(const Broadcast&, const T*, const T*, const T*, const T*, T*, Reduction); \
  template void bce_forward<T>(const Broadcast&, const T*, const T*, const T*, const T*, T*, Reduction);     \
  template void bce_backward_ref<T>(const Broadcast&, const T*, const T*, const T*, const T*, const T*, T*,  \
                                    Reduction, BceWrt);                                                     \
  template void bce_backward<T>(const Broadcast&, const T*, const T*, const T*, const T*, const T*, T*,      \
                                Reduction, BceWrt);                                                     \
  template void bce_forward_backward<T>(const Broadcast&, const T*, const T*, const T*, const T*, const T*, T*, \
                                        T*, Reduction);                                                 \
  template const detail::BceKernels<T>& detail::bce_kernels<T>(Isa);
GG_INSTANTIATE(float)
GG_INSTANTIATE(double)

}  // namespace gg::kernels
