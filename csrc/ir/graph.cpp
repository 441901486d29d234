#include "ir/graph.h"

#include <sstream>

#include "ops/op.h"

namespace gg {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t attr_int(const Attrs& a, const std::string& name, int64_t fallback) {
  auto it = a.find(name);
  return it == a.end() ? fallback : std::get<int64_t>(it->second);
}
double attr_float(const Attrs& a, const std::string& name, double fallback) {
  auto it = a.find(name);
  return it == a.end() ? fallback : std::get<double>(it->second);
}
const std::string& attr_str(const Attrs& a, const std::string& name) {
  auto it = a.find(name);
  if (it == a.end()) throw std::logic_error("missing attribute " + name);
  return std::get<std::string>(it->second);
}
const std::vector<int64_t>& attr_ints(const Attrs& a, const std::string& name) {
  auto it = a.find(name);
  if (it == a.end()) throw std::logic_error("missing attribute " + name);
  return std::get<std::vector<int64_t>>(it->second);
}

int Graph::add_input(const Type& type, const std::string& name, const std::string& kind) {
  Node n;
  n.op = &op_def("input");
  n.attrs = {{"name", name}, {"kind", kind}};
  n.type = type;
  nodes.push_back(std::move(n));
  inputs.push_back(static_cast<int>(nodes.size()) - 1);
  return inputs.back();
}

int Graph::add(const std::string& op, std::vector<int> in, Attrs attrs, std::string loc, int grad_of) {
  return add(op_def(op), std::move(in), std::move(attrs), std::move(loc), grad_of);
}

int Graph::add(const OpDef& op, std::vector<int> in, Attrs attrs, std::string loc, int grad_of) {
  const int n_in = static_cast<int>(in.size());
  if (n_in < op.min_inputs || n_in > op.max_inputs)
    throw std::invalid_argument(op.name + ": expected " + std::to_string(op.min_inputs) + ".." +
                                std::to_string(op.max_inputs) + " inputs, got " + std::to_string(n_in));
  std::vector<const Type*> types;
  for (int id : in) {
    if (id < 0 || id >= static_cast<int>(nodes.size()))
      throw std::out_of_range(op.name + ": input %" + std::to_string(id) + " is not defined in the graph");
    types.push_back(&nodes[id].type);
  }
  Node n;
  n.type = op.infer(types, attrs);  // throws before the graph changes
  n.op = &op;
  n.inputs = std::move(in);
  n.attrs = std::move(attrs);
  n.loc = std::move(loc);
  n.grad_of = grad_of;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

}  // namespace gg
