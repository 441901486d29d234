// The elementwise op table's kernels: unary and binary functors (eltwise_functors.h) applied
// over a Broadcast, for every dtype a functor accepts, through per-ISA rows generated from the
// functor (eltwise_rows.h compiled once per ISA). The op layer finds a kernel by its enum.
#pragma once
#include <cstdint>

#include "ir/types.h"
#include "kernels/broadcast.h"
#include "kernels/cpu.h"

namespace gg::kernels {

// X(enum name, functor, accepted dtypes, result) for every elementwise kernel; the accepted
// dtypes are a mask of kFloat (f16/f32/f64), kInt (i32/i64) and kBool; the result is the input
// dtype (Same) or Bool.
#define GG_UNARY_KERNELS(X)                                                                         \
  X(Neg, kFloat | kInt, Same) X(Abs, kFloat | kInt, Same) X(Sign, kFloat | kInt, Same)              \
  X(Exp, kFloat, Same) X(Log, kFloat, Same) X(Log1p, kFloat, Same) X(Expm1, kFloat, Same)           \
  X(Sqrt, kFloat, Same) X(Rsqrt, kFloat, Same) X(Square, kFloat | kInt, Same)                        \
  X(Reciprocal, kFloat, Same) X(Sin, kFloat, Same) X(Cos, kFloat, Same) X(Tanh, kFloat, Same)       \
  X(Sigmoid, kFloat, Same) X(Relu, kFloat | kInt, Same) X(Softplus, kFloat, Same)                    \
  X(Gelu, kFloat, Same) X(GeluTanh, kFloat, Same) X(Erf, kFloat, Same) X(Floor, kFloat, Same)        \
  X(Ceil, kFloat, Same) X(Round, kFloat, Same) X(LogicalNot, kAll, Bool) X(IsNan, kAll, Bool)        \
  X(IsInf, kAll, Bool) X(IsFinite, kAll, Bool) X(Copy, kAll, Same) X(Atan, kFloat, Same)

#define GG_BINARY_KERNELS(X)                                                                        \
  X(Add, kFloat | kInt, Same) X(Sub, kFloat | kInt, Same) X(Mul, kFloat | kInt, Same)               \
  X(Div, kFloat, Same) X(Pow, kFloat | kInt, Same) X(Maximum, kFloat | kInt, Same)                   \
  X(Minimum, kFloat | kInt, Same) X(FloorDiv, kFloat | kInt, Same) X(Mod, kFloat | kInt, Same)       \
  X(Eq, kAll, Bool) X(Ne, kAll, Bool) X(Lt, kFloat | kInt, Bool) X(Le, kFloat | kInt, Bool)          \
  X(Gt, kFloat | kInt, Bool) X(Ge, kFloat | kInt, Bool) X(LogicalAnd, kAll, Bool)                    \
  X(LogicalOr, kAll, Bool) X(ReluGrad, kFloat | kInt, Same)

enum DTypeClass : int { kFloat = 1, kInt = 2, kBool = 4, kAll = 7 };
enum class Result : uint8_t { Same, Bool };

#define GG_ENUM(name, mask, result) name,
enum class UnaryOp : int { GG_UNARY_KERNELS(GG_ENUM) kCount };
enum class BinaryOp : int { GG_BINARY_KERNELS(GG_ENUM) kCount };
#undef GG_ENUM

inline int dtype_class(DType d) { return is_float(d) ? kFloat : is_int(d) ? kInt : kBool; }

struct KernelInfo {
  int accepts;    // mask of DTypeClass
  Result result;
};
const KernelInfo& unary_info(UnaryOp op);
const KernelInfo& binary_info(BinaryOp op);

// out = op(x) over bc (built from (out shape, {x shape})); x has dtype `in`.
void unary(UnaryOp op, DType in, const Broadcast& bc, const void* x, void* out);
// out = op(a, b) over bc (built from (out shape, {a shape, b shape})); a and b have dtype `in`.
void binary(BinaryOp op, DType in, const Broadcast& bc, const void* a, const void* b, void* out);
// out = cond ? a : b over bc (from (out shape, {cond, a, b shapes})); cond is bool, a and b `dt`.
void select(DType dt, const Broadcast& bc, const void* cond, const void* a, const void* b, void* out);
// out = x converted to `to` (numpy's casts: float to int truncates, nonzero to bool is true).
void cast(DType from, DType to, const void* x, void* out, int64_t n);

// One row of a kernel: strides are 0 (the operand repeats) or 1 (contiguous), in elements.
using UnaryRow = void (*)(const void* x, int64_t sx, void* out, int64_t n);
using BinaryRow = void (*)(const void* a, int64_t sa, const void* b, int64_t sb, void* out, int64_t n);

namespace detail {
struct EltwiseRows {
  UnaryRow unary[static_cast<int>(UnaryOp::kCount)][kNumDTypes];
  BinaryRow binary[static_cast<int>(BinaryOp::kCount)][kNumDTypes];
};
const EltwiseRows& eltwise_rows(Isa isa);  // clamped to what the CPU has
}  // namespace detail

}  // namespace gg::kernels

namespace gg::kernels::avx512 { const detail::EltwiseRows& eltwise_rows(); }
namespace gg::kernels::avx2 { const detail::EltwiseRows& eltwise_rows(); }
namespace gg::kernels::portable { const detail::EltwiseRows& eltwise_rows(); }
