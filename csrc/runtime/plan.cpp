#include "runtime/plan.h"

#include <stdexcept>

namespace gg {

Plan::Plan(const Graph& g) : n_slots_(static_cast<int>(g.nodes.size())) {
  for (int id : g.inputs) {
    input_slots_.push_back(id);
    input_types_.push_back(g.type(id));
  }
  output_slots_ = g.outputs;

  std::vector<int> last_use(g.nodes.size(), -1);
  for (int id : g.outputs) last_use[id] = INT32_MAX;  // outputs live to the end
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op->name == "input") continue;
    Step s;
    s.inputs = n.inputs;
    s.out = static_cast<int>(i);
    s.type = n.type;
    std::vector<const Type*> types;
    for (int in : n.inputs) types.push_back(&g.type(in));
    if (n.op->alias_input >= 0) s.alias = n.inputs[n.op->alias_input];
    else s.kernel = n.op->compile(types, n.type, n.attrs);
    steps_.push_back(std::move(s));
    for (int in : n.inputs)
      if (last_use[in] != INT32_MAX) last_use[in] = static_cast<int>(steps_.size()) - 1;
  }
  for (size_t v = 0; v < last_use.size(); ++v)
    if (last_use[v] >= 0 && last_use[v] != INT32_MAX) steps_[last_use[v]].release.push_back(static_cast<int>(v));
}

std::vector<Tensor> Plan::run(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != input_slots_.size())
    throw std::invalid_argument("graph expects " + std::to_string(input_slots_.size()) + " inputs, got " +
                                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!(inputs[i].type == input_types_[i]))
      throw std::invalid_argument("graph input " + std::to_string(i) + " expects " + input_types_[i].str() +
                                  ", got " + inputs[i].type.str());
  std::vector<Tensor> slots(n_slots_);
  for (size_t i = 0; i < inputs.size(); ++i) slots[input_slots_[i]] = inputs[i];
  std::vector<const Tensor*> args;
  for (const Step& s : steps_) {
    if (s.alias >= 0) {
      slots[s.out] = Tensor{s.type, slots[s.alias].storage};
    } else {
      slots[s.out] = Tensor::empty(s.type);
      args.clear();
      for (int in : s.inputs) args.push_back(&slots[in]);
      s.kernel(args.data(), slots[s.out]);
    }
    for (int v : s.release) slots[v].storage.reset();
  }
  std::vector<Tensor> out;
  out.reserve(output_slots_.size());
  for (int id : output_slots_) out.push_back(slots[id]);
  return out;
}

Tensor run_op(const OpDef& op, const std::vector<Tensor>& inputs, const Attrs& attrs) {
  const int n = static_cast<int>(inputs.size());
  if (n < op.min_inputs || n > op.max_inputs)
    throw std::invalid_argument(op.name + ": expected " + std::to_string(op.min_inputs) + ".." +
                                std::to_string(op.max_inputs) + " inputs, got " + std::to_string(n));
  std::vector<const Type*> types;
  std::vector<const Tensor*> args;
  for (const Tensor& t : inputs) {
    types.push_back(&t.type);
    args.push_back(&t);
  }
  const Type type = op.infer(types, attrs);
  if (op.alias_input >= 0) return Tensor{type, inputs[op.alias_input].storage};
  Tensor out = Tensor::empty(type);
  op.compile(types, type, attrs)(args.data(), out);
  return out;
}

}  // namespace gg
