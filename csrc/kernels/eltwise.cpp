// The elementwise drivers: pick the row for the op, dtype and ISA, walk the Broadcast in fixed
// pieces (partition.h) on the thread pool. Also the portable instance of the rows, and select
// and cast (plain loops: their speed is the compiler's).
#include "kernels/eltwise.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/eltwise_rows.h"  // the portable instance
#include "kernels/partition.h"

namespace gg::kernels {

namespace {
#define GG_INFO(name, mask, result) KernelInfo{mask, Result::result},
constexpr KernelInfo kUnaryInfo[] = {GG_UNARY_KERNELS(GG_INFO)};
constexpr KernelInfo kBinaryInfo[] = {GG_BINARY_KERNELS(GG_INFO)};
#undef GG_INFO

DType result_dtype(const KernelInfo& k, DType in) { return k.result == Result::Bool ? DType::Bool : in; }

const char* at(const void* p, int64_t elements, DType d) {
  return static_cast<const char*>(p) + elements * static_cast<int64_t>(dtype_size(d));
}
}  // namespace

const KernelInfo& unary_info(UnaryOp op) { return kUnaryInfo[static_cast<int>(op)]; }
const KernelInfo& binary_info(BinaryOp op) { return kBinaryInfo[static_cast<int>(op)]; }

const detail::EltwiseRows& detail::eltwise_rows(Isa isa) {
  switch (std::min(isa, best_isa())) {
    case Isa::Avx512: return avx512::eltwise_rows();
    case Isa::Avx2: return avx2::eltwise_rows();
    default: return portable::eltwise_rows();
  }
}

void unary(UnaryOp op, DType in, const Broadcast& bc, const void* x, void* out) {
  const UnaryRow row = detail::eltwise_rows(active_isa()).unary[static_cast<int>(op)][static_cast<int>(in)];
  if (!row) throw std::logic_error(std::string("elementwise kernel has no ") + dtype_short(in) + " row");
  const DType od = result_dtype(unary_info(op), in);
  const int64_t sx = bc.inner_stride(1);
  detail::for_each_piece(bc, detail::split(bc), [&](int64_t, const auto& off, int64_t i0, int64_t len) {
    row(at(x, off[1] + i0 * sx, in), sx, const_cast<char*>(at(out, off[0] + i0, od)), len);
  });
}

void binary(BinaryOp op, DType in, const Broadcast& bc, const void* a, const void* b, void* out) {
  const BinaryRow row = detail::eltwise_rows(active_isa()).binary[static_cast<int>(op)][static_cast<int>(in)];
  if (!row) throw std::logic_error(std::string("elementwise kernel has no ") + dtype_short(in) + " row");
  const DType od = result_dtype(binary_info(op), in);
  const int64_t sa = bc.inner_stride(1), sb = bc.inner_stride(2);
  detail::for_each_piece(bc, detail::split(bc), [&](int64_t, const auto& off, int64_t i0, int64_t len) {
    row(at(a, off[1] + i0 * sa, in), sa, at(b, off[2] + i0 * sb, in), sb, const_cast<char*>(at(out, off[0] + i0, od)),
        len);
  });
}

namespace {
template <class F>
void dispatch_any(DType d, F&& f) {
  switch (d) {
    case DType::F32: return f(float{});
    case DType::F64: return f(double{});
    case DType::F16: return f(_Float16{});
    case DType::I32: return f(int32_t{});
    case DType::I64: return f(int64_t{});
    case DType::Bool: return f(bool{});
  }
}
}  // namespace

void select(DType dt, const Broadcast& bc, const void* cond, const void* a, const void* b, void* out) {
  dispatch_any(dt, [&](auto t) {
    using T = decltype(t);
    const bool* c = static_cast<const bool*>(cond);
    const T *pa = static_cast<const T*>(a), *pb = static_cast<const T*>(b);
    T* po = static_cast<T*>(out);
    const int64_t sc = bc.inner_stride(1), sa = bc.inner_stride(2), sb = bc.inner_stride(3);
    detail::for_each_piece(bc, detail::split(bc), [&](int64_t, const auto& off, int64_t i0, int64_t len) {
      const bool* cc = c + off[1] + i0 * sc;
      const T *aa = pa + off[2] + i0 * sa, *bb = pb + off[3] + i0 * sb;
      T* oo = po + off[0] + i0;
      for (int64_t i = 0; i < len; ++i) oo[i] = cc[i * sc] ? aa[i * sa] : bb[i * sb];
    });
  });
}

void cast(DType from, DType to, const void* x, void* out, int64_t n) {
  dispatch_any(from, [&](auto s) {
    dispatch_any(to, [&](auto d) {
      using S = decltype(s);
      using D = decltype(d);
      const S* src = static_cast<const S*>(x);
      D* dst = static_cast<D*>(out);
      gg::parallel_for((n + detail::kGrain - 1) / detail::kGrain, [&](int64_t t) {
        const int64_t i1 = std::min(n, (t + 1) * detail::kGrain);
        for (int64_t i = t * detail::kGrain; i < i1; ++i) {
          if constexpr (std::is_same_v<D, bool>) dst[i] = src[i] != S(0);
          else if constexpr (std::is_integral_v<D>)
            dst[i] = src[i] != src[i] ? D(0) : static_cast<D>(src[i]);  // NaN -> 0
          else dst[i] = static_cast<D>(src[i]);
        }
      });
    });
  });
}

}  // namespace gg::kernels
