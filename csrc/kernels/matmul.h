// Dense matrix multiply, row-major, contiguous operands.
//
//   C[m,n] = op(A)[m,k] * op(B)[k,n]      op(A) = A^T when trans_a (A is stored k x m)
//                                          op(B) = B^T when trans_b (B is stored n x k)
//
// C is overwritten (k == 0 gives zeros); a non-null bias[n] is added to every row of C.
// Results are bit-identical for any thread count.
#pragma once
#include <cstdint>

namespace gg::kernels {

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const T* bias = nullptr);

// The portable reference: plain loops, the test oracle for the SIMD paths.
template <class T>
void matmul_ref(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b);

}  // namespace gg::kernels
