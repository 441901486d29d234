// The op table. One op lives in one place: its file registers a name, a shape rule, a kernel
// (compiled once per node into a closure that knows its shapes) and a vjp rule written in other
// primitives (so every gradient graph can be differentiated again).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/tensor.h"

namespace gg {

// A kernel prepared for fixed operand types (it knows their shapes): reads the operands' data,
// writes the preallocated output.
using Kernel = std::function<void(const void* const* in, void* out)>;

// Emits nodes into a graph at one source line: the language vjp rules and decompositions are
// written in. Each helper is one primitive (sum_to: a reduce_sum and a reshape).
struct Builder {
  Graph& g;
  std::string loc;
  bool grad = true;  // nodes made by the gradient pass

  int op(const OpDef& d, std::vector<int> in, Attrs a = {}) const;
  int op(const std::string& name, std::vector<int> in, Attrs a = {}) const;
  const Type& type(int v) const { return g.type(v); }

  int add(int a, int b) const { return op("add", {a, b}); }
  int sub(int a, int b) const { return op("sub", {a, b}); }
  int mul(int a, int b) const { return op("mul", {a, b}); }
  int div(int a, int b) const { return op("div", {a, b}); }
  int neg(int a) const { return op("neg", {a}); }
  int unary(const char* name, int a) const { return op(name, {a}); }
  int scalar(double value, DType d) const;            // a 0-d fill
  int scalar_like(double value, int like) const { return scalar(value, type(like).dtype); }
  int cast(int v, DType d) const;                      // v itself when it has that dtype
  int select(int cond, int a, int b) const { return op("select", {cond, a, b}); }
  int reshape(int v, const Shape& s) const;            // v itself when it has that shape
  int broadcast_to(int v, const Shape& s) const;       // v itself when it has that shape
  int reduce_sum(int v, const std::vector<int64_t>& axes, bool keep_dims) const;
  int sum_to(int v, const Shape& s) const;             // sums the axes along which s broadcasts
};

// What a vjp rule sees: the forward node (its inputs and output are values of the graph being
// built, which is also where the rule emits), its adjoint, and which inputs want a gradient.
struct VjpContext {
  Builder b;
  int out;                  // the forward node
  int grad;                 // the adjoint of its output (same type)
  std::vector<int> inputs;  // the forward node's inputs
  Attrs attrs;              // and its attributes (copies: the graph grows under emit)
  std::vector<bool> needs;  // per input: is a gradient wanted
  std::vector<Type> types;  // the inputs' types, then the output's (copies, as attrs)

  int in(int i) const { return inputs[i]; }
  const Type& in_type(int i) const { return types[i]; }
  const Type& out_type() const { return types.back(); }
};

// A decomposition: the op's output written in other primitives, into b, from its operands.
using Decompose = int (*)(const Builder& b, const std::vector<int>& in, const Attrs& attrs);

struct OpDef {
  std::string name;
  int min_inputs = 0, max_inputs = 0;
  // Output type from input types and attributes; throws ShapeError / DTypeError.
  std::function<Type(const std::vector<const Type*>& in, const Attrs& attrs)> infer;
  // Kernel for these operand types (nullptr for ops whose output aliases an input).
  std::function<Kernel(const std::vector<const Type*>& in, const Type& out, const Attrs& attrs)> compile;
  // Fills one gradient id per input (-1: no contribution). nullptr: see decompose.
  std::function<void(VjpContext& ctx, std::vector<int>& input_grads)> vjp;
  // For a fused op with no vjp of its own: its value in primitives; the gradient pass
  // differentiates that instead.
  Decompose decompose = nullptr;
  // Names of the attributes the op reads (a typo'd or unknown attribute is an error).
  std::vector<std::string> attrs;
  bool elementwise = false;  // a pure function of each element: constant folding may run its
                             // kernel on 0-d constants (the kernel's own arithmetic, bit for bit)
  bool keeps_values = false;  // every output element is one of the input's (reshape, transpose,
                              // broadcast_to, slices): a constant input gives the same constant
  bool stateful = false;     // each run gives new values (random): never merged, folded or shared
  bool blocks_grad = false;  // the output carries no gradient back (stop_gradient, fills, ...)
  int alias_input = -1;      // the output shares this input's storage (reshape, stop_gradient, view)
  int64_t (*view_offset)(const Attrs& attrs) = nullptr;  // an alias's first element within its input
  int inplace_input = -1;    // the kernel may write its output over this input (same type),
                             // elementwise with no read after write; the memory plan uses it
  bool may_fail = false;     // the kernel checks values it reads and may throw (an index out of
                             // range): the memory plan writes no Parameter's buffer before it, so
                             // that a failed call leaves every Parameter as it was
};

const OpDef& op_def(const std::string& name);  // throws std::invalid_argument for unknown ops
const std::vector<const OpDef*>& all_ops();

// The op named `name`, looked up once per call site: passes compare ops by identity.
#define GG_OP(name) (*[]() -> const ::gg::OpDef* { static const ::gg::OpDef* d = &::gg::op_def(name); return d; }())

// Shared checks for shape rules.
void require_same_dtype(const std::string& op, const std::vector<const Type*>& in);
std::vector<int64_t> normalize_axes(const std::string& op, const std::vector<int64_t>& axes, int ndim);

}  // namespace gg

namespace gg {
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<_Float16> { static constexpr DType value = DType::F16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };

// Calls f(T{}) with T the element type of d when T is one of Ts; any other dtype is a
// DTypeError naming the op (shape rules reject such dtypes first; this is the backstop).
template <class... Ts, class F>
void dispatch(DType d, const std::string& op, F&& f) {
  const bool done = ((d == dtype_of<Ts>::value ? (f(Ts{}), true) : false) || ...);
  if (!done) throw DTypeError(op + ": no kernel for dtype " + dtype_short(d));
}
template <class F>
void dispatch_float(DType d, const std::string& op, F&& f) { dispatch<float, double>(d, op, f); }
template <class F>
void dispatch_all(DType d, const std::string& op, F&& f) {
  dispatch<float, double, _Float16, int32_t, int64_t, bool>(d, op, f);
}

template <class T>
const T* in_as(const void* const* in, int i) { return static_cast<const T*>(in[i]); }
}  // namespace gg
