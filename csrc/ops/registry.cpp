#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "ops/op.h"

namespace gg {

// Each op file defines one of these; listing them here (not static initialisers) keeps the
// linker from dropping an op out of the static library.
OpDef op_input();
OpDef op_fill();
OpDef op_ones_like();
OpDef op_zeros_like();
OpDef op_matmul();
OpDef op_add();
OpDef op_sum_to();
OpDef op_reshape();
OpDef op_transpose();
OpDef op_stop_gradient();
OpDef op_bce_with_logits();
OpDef op_bce_with_logits_grad();
OpDef op_bce_with_logits_and_grad();
OpDef op_view();

namespace {
struct Registry {
  std::vector<std::unique_ptr<OpDef>> owned;
  std::vector<const OpDef*> list;
  std::unordered_map<std::string, const OpDef*> by_name;
  Registry() {
    for (OpDef d : {op_input(), op_fill(), op_ones_like(), op_zeros_like(), op_matmul(), op_add(), op_sum_to(),
                    op_reshape(), op_transpose(), op_stop_gradient(), op_bce_with_logits(), op_bce_with_logits_grad(),
                    op_bce_with_logits_and_grad(), op_view()}) {
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

}  // namespace gg
