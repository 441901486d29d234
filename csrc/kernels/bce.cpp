#include "kernels/bce.h"

#include <cmath>

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
      const T l = wv * (pwv * yv * softplus(-xv) + (T(1) - yv) * softplus(xv));
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
        case BceWrt::Logits: d = wv * ((T(1) - yv) * sigmoid(xv) - pwv * yv * sigmoid(-xv)); break;
        case BceWrt::Label: d = wv * (pwv * softplus(-xv) - softplus(xv)); break;
        case BceWrt::Weight: d = pwv * yv * softplus(-xv) + (T(1) - yv) * softplus(xv); break;
        default: d = wv * yv * softplus(-xv); break;
      }
      out[off[0] + i] = gv * d;
    }
  });
}

template <class T>
void bce_forward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, T* out, Reduction r) {
  bce_forward_ref(bc, x, y, w, pw, out, r);
}
template <class T>
void bce_backward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* out,
                  Reduction r, BceWrt wrt) {
  bce_backward_ref(bc, x, y, w, pw, g, out, r, wrt);
}

#define GG_INSTANTIATE(T)                                                                                   \
  template void bce_forward_ref<T>(const Broadcast&, const T*, const T*, const T*, const T*, T*, Reduction); \
  template void bce_forward<T>(const Broadcast&, const T*, const T*, const T*, const T*, T*, Reduction);     \
  template void bce_backward_ref<T>(const Broadcast&, const T*, const T*, const T*, const T*, const T*, T*,  \
                                    Reduction, BceWrt);                                                     \
  template void bce_backward<T>(const Broadcast&, const T*, const T*, const T*, const T*, const T*, T*,      \
                                Reduction, BceWrt);
GG_INSTANTIATE(float)
GG_INSTANTIATE(double)

}  // namespace gg::kernels
