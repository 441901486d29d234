// The packed output of bce_with_logits_and_grad, shared by the op (ops/bce.cpp) and the fusion
// pass that creates it (passes/fuse_bce.cpp): the loss first, then the logits' gradient from the
// next 64-byte boundary (16 elements), so both parts stay aligned for SIMD.
#pragma once
#include <cstdint>

namespace gg {

inline int64_t bce_fused_grad_offset(int64_t loss_elements) { return (loss_elements + 15) / 16 * 16; }

}  // namespace gg
