// Dense matrix multiply, row-major, contiguous operands.
//
//   C[m,n] = op(A)[m,k] * op(B)[k,n]      op(A) = A^T when trans_a (A is stored k x m)
//                                          op(B) = B^T when trans_b (B is stored n x k)
//
// C is overwritten (k == 0 gives zeros); a non-null bias[n] is added to every row of C.
// Results are bit-identical for any thread count: threads split the output, never the k sum.
#pragma once
#include <cstdint>

namespace gg::kernels {

// What happens to each output element v = (op(A) op(B))[i, j] before it is stored, in this order
// (the default is a plain C = op(A) op(B)):
//
//   v = alpha * v                         alpha
//   v = v + C[i, j]                       accumulate (beta = 1; otherwise C is only written)
//   v = v + bias[j]                       bias: [n], or null
//   v = v > 0 ? v : 0                     relu (NaN gives 0: the relu op's own rule, so a fused
//                                         relu is the same bits as relu after the product)
//   v = relu_mask[i, j] > 0 ? v : 0       relu_mask: [m, n] row-major, or null: ReLU's gradient
//                                         (relu_mask is the ReLU's input or output)
//
// It runs while the tile is still in registers. Uses in a training step:
//   forward   z = relu(x w + b)              {.bias = b, .relu = true}
//   backward  dh = (dz w^T) * (h > 0)         trans_b, {.relu_mask = h}
//   SGD       w += (-lr) * x^T dz             trans_a, {.alpha = -lr, .accumulate = true}, C = w:
//             the update lands in w's storage and no gradient buffer exists. (The k sum is
//             split in KC-deep blocks, each scaled by alpha and added to w in order, so this is
//             within rounding of, not bit-identical to, w - lr * (x^T dz).)
// col_sum_b, when not null, receives the column sums of op(B) (sum over k in order, [n]): with
// B = dz in the weight gradient x^T dz, that is the bias gradient db, summed from each B panel
// as it is packed (or read in place), so dz is not read a second time. (The direct path for
// matrix-vector shapes sums in a separate pass.)
template <class T>
struct Epilogue {
  T alpha = T(1);
  bool accumulate = false;
  const T* bias = nullptr;
  bool relu = false;
  const T* relu_mask = nullptr;
  T* col_sum_b = nullptr;
};

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const Epilogue<T>& epilogue);

template <class T>
void matmul(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b,
            const T* bias = nullptr) {
  Epilogue<T> e;
  e.bias = bias;
  matmul(a, b, c, m, n, k, trans_a, trans_b, e);
}

// A batch of independent products (none reads what another writes): between begin_batch() and
// end_batch(), this thread's matmul calls are queued, and end_batch() runs all their tasks in one
// parallel_for. Each thread starts on its own part (on 2 threads, a batch of two weight updates
// gives each thread one update) and then takes over what is left of the others' (the larger
// update's last tasks), so each thread packs the operands of one product rather than of both.
// The results are the bits the calls give one by one. Products on the direct path and those with
// col_sum_b run at once. Not nested; end_batch() or cancel_batch() (which drops what is queued)
// must follow.
void begin_batch();
void end_batch();
void cancel_batch();

// Whether the AVX-512 float microkernel folds every other broadcast of A into its FMAs as a
// memory operand (fewer uops a k step; see ukr_simd): on Intel CPUs, not on AMD ones, where it
// measured slower. Chosen from CPUID at start-up; settable for tests and benchmarks. The results
// are the same bits either way.
bool fold_broadcasts();
void set_fold_broadcasts(bool on);

// The portable reference: plain loops, the test oracle for the SIMD paths (no epilogue).
template <class T>
void matmul_ref(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b);

}  // namespace gg::kernels
