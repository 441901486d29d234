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

// Sparse softmax cross-entropy over the rows of x [rows, n] at class indices `labels` [rows]
// (int32 or int64): row r's loss is logsumexp(x[r]) - x[r, labels[r]]. A row whose label is
// ignore_index counts for nothing; a label outside [0, n) makes the loss NaN. Returns the
// losses' sum, or their mean over the rows not ignored. When grad is given, also writes the
// gradient of that result times g there: (softmax(x[r]) - onehot(labels[r])) * g / count
// (g without the mean), zero rows for out-of-range labels and 0 * g / count for ignored ones
// (NaN when every row is ignored, as the decomposition gives). Per-row losses add in row order.
template <class T, class I>
T softmax_xent_rows(const T* x, const I* labels, int64_t rows, int64_t n, int64_t ignore_index, bool mean, T g,
                    T* grad);

namespace detail {
template <class T>
using SoftmaxRow = void (*)(const T* x, T* out, int64_t n, SoftmaxMode mode);
// Rows of softmax_xent_rows with labels in [0, n), or -1 for a row to skip: writes each row's
// loss to loss[r] and, when grad is not null, coef * (softmax(x) - onehot(label)) to its grad
// row (a skipped row's loss and grad row are left to the caller).
template <class T>
using XentRows = void (*)(const T* x, const int64_t* labels, int64_t rows, int64_t n, T coef, T* grad, T* loss);
}  // namespace detail

}  // namespace gg::kernels

namespace gg::kernels::avx512 {
template <class T> detail::SoftmaxRow<T> softmax_row();
template <class T> detail::XentRows<T> xent_rows();
}  // namespace gg::kernels::avx512
namespace gg::kernels::avx2 {
template <class T> detail::SoftmaxRow<T> softmax_row();
template <class T> detail::XentRows<T> xent_rows();
}  // namespace gg::kernels::avx2
namespace gg::kernels::portable {
template <class T> detail::SoftmaxRow<T> softmax_row();
template <class T> detail::XentRows<T> xent_rows();
}  // namespace gg::kernels::portable
