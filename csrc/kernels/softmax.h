// softmax, log_softmax and logsumexp over the last axis of [rows, n] (contiguous rows): max,
// then exp(x - max) summed in one pass, then a scale; the exp is exp_neg of simd_math.h (its
// argument is never positive). Rows run in parallel; each row's sums have a fixed order.
#pragma once
#include <cstdint>

#include "kernels/cpu.h"

namespace gg::kernels {

enum class SoftmaxMode : int { Softmax = 0, LogSoftmax = 1, LogSumExp = 2 };

// out: [rows, n] for Softmax and LogSoftmax, [rows] for LogSumExp.
template <class T>
void softmax_rows(const T* x, T* out, int64_t rows, int64_t n, SoftmaxMode mode);

namespace detail {
template <class T>
using SoftmaxRow = void (*)(const T* x, T* out, int64_t n, SoftmaxMode mode);
}  // namespace detail

}  // namespace gg::kernels

namespace gg::kernels::avx512 { template <class T> detail::SoftmaxRow<T> softmax_row(); }
namespace gg::kernels::avx2 { template <class T> detail::SoftmaxRow<T> softmax_row(); }
namespace gg::kernels::portable { template <class T> detail::SoftmaxRow<T> softmax_row(); }
