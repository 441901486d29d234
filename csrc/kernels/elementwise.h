// The sum over broadcast axes (reduce_sum with the reduced axes kept).
#pragma once
#include "kernels/broadcast.h"

namespace gg::kernels {

// out[out_shape] = sum of x[x_shape] over the axes where out_shape broadcasts to x_shape.
// Fixed summation order: bit-identical results for any thread count.
template <class T>
void sum_to(const T* x, const Shape& x_shape, T* out, const Shape& out_shape);

// Portable references (test oracles).
template <class T>
void sum_to_ref(const T* x, const Shape& x_shape, T* out, const Shape& out_shape);

}  // namespace gg::kernels
