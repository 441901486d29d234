#include "kernels/elementwise.h"

#include <algorithm>

namespace gg::kernels {

template <class T>
void add_ref(const Broadcast& bc, const T* a, const T* b, T* out) {
  const int64_t n = bc.inner(), sa = bc.inner_stride(1), sb = bc.inner_stride(2);
  bc.for_each_row([&](const auto& off) {
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    T* po = out + off[0];
    for (int64_t i = 0; i < n; ++i) po[i] = pa[i * sa] + pb[i * sb];
  });
}

// Walks x in row-major order and adds each element into its output slot: a fixed order.
template <class T>
void sum_to_ref(const T* x, const Shape& x_shape, T* out, const Shape& out_shape) {
  Broadcast bc(x_shape, {out_shape});
  int64_t out_numel = 1;
  for (int64_t d : out_shape) out_numel *= d;
  std::fill(out, out + out_numel, T(0));
  const int64_t n = bc.inner(), so = bc.inner_stride(1);
  bc.for_each_row([&](const auto& off) {
    const T* px = x + off[0];
    T* po = out + off[1];
    for (int64_t i = 0; i < n; ++i) po[i * so] += px[i];
  });
}

template <class T>
void add(const Broadcast& bc, const T* a, const T* b, T* out) { add_ref(bc, a, b, out); }
template <class T>
void sum_to(const T* x, const Shape& x_shape, T* out, const Shape& out_shape) { sum_to_ref(x, x_shape, out, out_shape); }

#define GG_INSTANTIATE(T)                                                   \
  template void add_ref<T>(const Broadcast&, const T*, const T*, T*);       \
  template void add<T>(const Broadcast&, const T*, const T*, T*);           \
  template void sum_to_ref<T>(const T*, const Shape&, T*, const Shape&);    \
  template void sum_to<T>(const T*, const Shape&, T*, const Shape&);
GG_INSTANTIATE(float)
GG_INSTANTIATE(double)

}  // namespace gg::kernels
