// Broadcasting add and its adjoint, the sum over broadcast axes.
#pragma once
#include "kernels/broadcast.h"

namespace gg::kernels {

// out = a + b; bc built from (out shape, {a shape, b shape}).
template <class T>
void add(const Broadcast& bc, const T* a, const T* b, T* out);

// out[out_shape] = sum of x[x_shape] over the axes where out_shape broadcasts to x_shape.
// Fixed summation order: bit-identical results for any thread count.
template <class T>
void sum_to(const T* x, const Shape& x_shape, T* out, const Shape& out_shape);

// Portable references (test oracles).
template <class T>
void add_ref(const Broadcast& bc, const T* a, const T* b, T* out);
template <class T>
void sum_to_ref(const T* x, const Shape& x_shape, T* out, const Shape& out_shape);

}  // namespace gg::kernels
