#include "kernels/matmul.h"

#include <algorithm>

namespace gg::kernels {

template <class T>
void matmul_ref(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b) {
  std::fill(c, c + m * n, T(0));
  for (int64_t i = 0; i < m; ++i) {
    T* crow = c + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const T av = trans_a ? a[p * m + i] : a[i * k + p];
      if (trans_b) {
        for (int64_t j = 0; j < n; ++j) crow[j] += av * b[j * k + p];
      } else {
        const T* brow = b + p * n;
        for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
      }
    }
  }
}

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const T* bias) {
  matmul_ref(a, b, c, m, n, k, trans_a, trans_b);
  if (bias)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += bias[j];
}

template void matmul_ref<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool);
template void matmul_ref<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool);
template void matmul<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool, const float*);
template void matmul<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, bool, bool,
                             const double*);

}  // namespace gg::kernels
