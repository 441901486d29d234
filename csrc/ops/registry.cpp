#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "kernels/broadcast.h"
#include "ops/op.h"

namespace gg {

// Each op file defines one of these; listing them here (not static initialisers) keeps the
// linker from dropping an op out of the static library.
std::vector<OpDef> core_ops();         // fill.cpp: input, fill, ones_like, zeros_like, stop_gradient, view
std::vector<OpDef> elementwise_ops();  // elementwise.cpp
std::vector<OpDef> shape_ops();        // shape.cpp
std::vector<OpDef> reduce_ops();       // reduce.cpp
std::vector<OpDef> matmul_ops();       // matmul.cpp
std::vector<OpDef> bce_ops();          // bce.cpp
std::vector<OpDef> softmax_xent_ops(); // softmax_xent.cpp
std::vector<OpDef> random_ops();       // random.cpp
std::vector<OpDef> collective_ops();   // collective.cpp
std::vector<OpDef> conv_ops();         // conv.cpp: im2col, col2im

namespace {
struct Registry {
  std::vector<std::unique_ptr<OpDef>> owned;
  std::vector<const OpDef*> list;
  std::unordered_map<std::string, const OpDef*> by_name;
  Registry() {
    for (auto family : {core_ops, elementwise_ops, shape_ops, reduce_ops, matmul_ops, bce_ops, softmax_xent_ops,
                        random_ops, collective_ops, conv_ops})
      for (OpDef& d : family()) {
        if (by_name.count(d.name)) throw std::logic_error("op '" + d.name + "' registered twice");
        owned.push_back(std::make_unique<OpDef>(std::move(d)));
        list.push_back(owned.back().get());
        by_name[list.back()->name] = list.back();
      }
  }
};
const Registry& registry() {
  static const Registry r;
  return r;
}
}  // namespace

const OpDef& op_def(const std::string& name) {
  auto it = registry().by_name.find(name);
  if (it == registry().by_name.end()) throw std::invalid_argument("unknown op '" + name + "'");
  return *it->second;
}

const std::vector<const OpDef*>& all_ops() { return registry().list; }

void require_same_dtype(const std::string& op, const std::vector<const Type*>& in) {
  for (const Type* t : in)
    if (t->dtype != in[0]->dtype) {
      std::string types;
      for (const Type* u : in) types += (types.empty() ? "" : ", ") + u->str();
      throw DTypeError(op + ": operands must have the same dtype, got " + types);
    }
}

std::vector<int64_t> normalize_axes(const std::string& op, const std::vector<int64_t>& axes, int ndim) {
  std::vector<int64_t> out;
  std::vector<bool> seen(ndim, false);
  for (int64_t a : axes) {
    const int64_t ax = a < 0 ? a + ndim : a;
    if (ax < 0 || ax >= ndim)
      throw ShapeError(op + ": axis " + std::to_string(a) + " is out of range for a " + std::to_string(ndim) + "-d tensor");
    if (seen[ax]) throw ShapeError(op + ": axis " + std::to_string(a) + " is repeated");
    seen[ax] = true;
    out.push_back(ax);
  }
  return out;
}

// The Builder: each helper is one node (or none, when the value already is what is asked).
int Builder::op(const OpDef& d, std::vector<int> in, Attrs a) const { return g.add(d, std::move(in), std::move(a), loc, grad); }
int Builder::op(const std::string& name, std::vector<int> in, Attrs a) const { return op(op_def(name), std::move(in), std::move(a)); }

int Builder::scalar(double value, DType d) const {
  return op(GG_OP("fill"), {}, {{"shape", Shape{}}, {"value", value}, {"dtype", static_cast<int64_t>(d)}});
}
int Builder::cast(int v, DType d) const {
  return type(v).dtype == d ? v : op(GG_OP("cast"), {v}, {{"dtype", static_cast<int64_t>(d)}});
}
int Builder::reshape(int v, const Shape& s) const { return type(v).shape == s ? v : op(GG_OP("reshape"), {v}, {{"shape", s}}); }
int Builder::broadcast_to(int v, const Shape& s) const {
  return type(v).shape == s ? v : op(GG_OP("broadcast_to"), {v}, {{"shape", s}});
}
int Builder::reduce_sum(int v, const std::vector<int64_t>& axes, bool keep_dims) const {
  return op(GG_OP("reduce_sum"), {v}, {{"axes", axes}, {"keep_dims", int64_t{keep_dims}}});
}
int Builder::sum_to(int v, const Shape& s) const {
  const Shape& from = type(v).shape;
  if (from == s) return v;
  // The axes along which s (right-aligned, padded with 1s) broadcasts to `from`.
  const size_t lead = from.size() - s.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (s[i - lead] == 1 && from[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  return reshape(axes.empty() ? v : reduce_sum(v, axes, true), s);
}

}  // namespace gg
