// out = x with its axes permuted: out's axis i is x's axis perm[i]. Row-major, contiguous.
#pragma once
#include "kernels/broadcast.h"

namespace gg::kernels {

template <class T>
void transpose(const T* x, const Shape& x_shape, const std::vector<int64_t>& perm, T* out);

}  // namespace gg::kernels
