// Binary cross-entropy with logits, forward and backward, fused single passes.
//
//   l = w * (pw * y * softplus(-x) + (1 - y) * softplus(x))        softplus(t) = log(1 + e^t)
//
// computed in the stable form softplus(t) = max(t, 0) + log1p(exp(-|t|)), finite for |x| up to
// 1e30. weight (w) and pos_weight (pw) are optional (nullptr means 1).
//
// The Broadcast descriptor has operands {0: x's shape, 1: x, 2: y, 3: w, 4: pw, 5: g}; an absent
// operand is given the shape [] (its pointer is nullptr and it is never read). x and y share a
// shape; w and pw broadcast to it; g (backward only) is the upstream gradient: x's shape for
// reduction None, a scalar ([]) for Sum and Mean.
#pragma once
#include "kernels/broadcast.h"

namespace gg::kernels {

enum class Reduction : int { None = 0, Mean = 1, Sum = 2 };
enum class BceWrt : int { Logits = 0, Label = 1, Weight = 2, PosWeight = 3 };

// out: x's shape for None; one element for Sum and Mean (mean divides by the element count).
// Sum and Mean accumulate in a fixed order with a wide accumulator so float32 stays accurate at
// 10^7 elements.
template <class T>
void bce_forward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, T* out, Reduction r);

// out (x's shape) = dL/d(wrt), elementwise and before any sum back to a broadcast operand's shape:
//   Logits:    g * w * ((1 - y) * sigmoid(x) - pw * y * sigmoid(-x))
//   Label:     g * w * (pw * softplus(-x) - softplus(x))
//   Weight:    g * (pw * y * softplus(-x) + (1 - y) * softplus(x))
//   PosWeight: g * w * y * softplus(-x)
// with g divided by the element count for Mean.
template <class T>
void bce_backward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* out,
                  Reduction r, BceWrt wrt);

// Both at once, as the fusion pass asks when a graph needs the loss and its logits gradient: one
// pass over the operands and one exp per element. loss as bce_forward writes it, dx as
// bce_backward(..., BceWrt::Logits) with the adjoint g (a scalar for Sum and Mean). The results
// equal the two separate kernels' bit for bit.
template <class T>
void bce_forward_backward(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* loss,
                          T* dx, Reduction r);

// Portable references (test oracles).
template <class T>
void bce_forward_ref(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, T* out, Reduction r);
template <class T>
void bce_backward_ref(const Broadcast& bc, const T* x, const T* y, const T* w, const T* pw, const T* g, T* out,
                      Reduction r, BceWrt wrt);

}  // namespace gg::kernels
