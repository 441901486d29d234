#include "ir/graph.h"

#include <algorithm>
#include <sstream>

#include "ops/op.h"

namespace gg {

size_t Type::checked_bytes() const {
  // 2^62 bytes is far beyond any machine; below it, no product here can overflow 64 bits.
  constexpr size_t kLimit = size_t(1) << 62;
  size_t bytes = dtype_size(dtype);
  bool empty = false;  // a zero anywhere makes the tensor empty, whatever the other dims
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("negative dimension in shape " + shape_str(shape));
    empty = empty || d == 0;
  }
  if (empty) return 0;
  for (int64_t d : shape) {
    if (bytes > kLimit / static_cast<size_t>(d))
      throw AllocError(str() + " is too large: its size does not fit in memory");
    bytes *= static_cast<size_t>(d);
  }
  return bytes;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

int64_t attr_int(const Attrs& a, const std::string& name, int64_t fallback) {
  auto it = a.find(name);
  return it == a.end() ? fallback : std::get<int64_t>(it->second);
}
double attr_float(const Attrs& a, const std::string& name, double fallback) {
  auto it = a.find(name);
  if (it == a.end()) return fallback;
  if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return std::get<double>(it->second);
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
  n.op = &GG_OP("input");
  n.attrs = {{"name", name}, {"kind", kind}};
  n.type = type;
  nodes.push_back(std::move(n));
  inputs.push_back(static_cast<int>(nodes.size()) - 1);
  return inputs.back();
}

namespace {
// The IR line a failed node would have had, with its operands' types: "%2 = add(%1, %b) where
// %1: f32[3], %b: f32[4]   # tutorial.py:21".
std::string describe_failed(const Graph& g, const OpDef& op, const std::vector<int>& in, const Attrs& attrs,
                            const std::string& loc) {
  const std::vector<std::string> names = value_names(g);
  int next = 0;
  for (const Node& n : g.nodes) next += n.op != &GG_OP("input");
  std::string s = node_text(names, std::string(1, '%') += std::to_string(next), op.name, in, attrs);
  for (size_t j = 0; j < in.size(); ++j) {
    s += j ? ", " : " where ";
    s += names[in[j]];
    s += ": ";
    s += g.nodes[in[j]].type.str();
  }
  return loc.empty() ? s : s + "   # " + loc;
}
}  // namespace

int Graph::add(const std::string& op, std::vector<int> in, Attrs attrs, std::string loc, bool grad) {
  return add(op_def(op), std::move(in), std::move(attrs), std::move(loc), grad);
}

int Graph::add(const OpDef& op, std::vector<int> in, Attrs attrs, std::string loc, bool grad) {
  const int n_in = static_cast<int>(in.size());
  if (n_in < op.min_inputs || n_in > op.max_inputs)
    throw std::invalid_argument(op.name + ": expected " + std::to_string(op.min_inputs) + ".." +
                                std::to_string(op.max_inputs) + " inputs, got " + std::to_string(n_in));
  for (const auto& [name, value] : attrs)
    if (std::find(op.attrs.begin(), op.attrs.end(), name) == op.attrs.end()) {
      std::string known;
      for (const std::string& k : op.attrs) known += (known.empty() ? "" : ", ") + k;
      throw std::invalid_argument(op.name + ": unknown attribute '" + name + "' (it takes " +
                                  (known.empty() ? std::string("none") : known) + ")");
    }
  std::vector<const Type*> types;
  for (int id : in) {
    if (id < 0 || id >= static_cast<int>(nodes.size()))
      throw std::out_of_range(op.name + ": input %" + std::to_string(id) + " is not defined in the graph");
    types.push_back(&nodes[id].type);
  }
  Node n;
  try {
    n.type = op.infer(types, attrs);  // throws before the graph changes
  } catch (const ShapeError& e) {
    throw ShapeError(std::string(e.what()) + "\n  in the IR: " + describe_failed(*this, op, in, attrs, loc));
  } catch (const DTypeError& e) {
    throw DTypeError(std::string(e.what()) + "\n  in the IR: " + describe_failed(*this, op, in, attrs, loc));
  }
  try {
    n.type.checked_bytes();  // the plan sizes buffers from types: no overflowing shape gets in
  } catch (const AllocError& e) {
    throw AllocError(op.name + ": the result " + e.what() + "\n  in the IR: " + describe_failed(*this, op, in, attrs, loc));
  }
  n.op = &op;
  n.inputs = std::move(in);
  n.attrs = std::move(attrs);
  n.loc = std::move(loc);
  n.grad = grad;
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

std::vector<int> inline_into(Graph& dst, const Graph& src, const std::vector<int>& inputs) {
  if (inputs.size() != src.inputs.size())
    throw std::invalid_argument("inline: " + src.name + " takes " + std::to_string(src.inputs.size()) + " inputs, got " +
                                std::to_string(inputs.size()));
  std::vector<int> map(src.nodes.size(), -1);
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!(dst.type(inputs[k]) == src.type(src.inputs[k])))
      throw std::invalid_argument("inline: input " + std::to_string(k) + " of " + src.name + " is " +
                                  src.type(src.inputs[k]).str() + ", got " + dst.type(inputs[k]).str());
    map[src.inputs[k]] = inputs[k];
  }
  for (size_t v = 0; v < src.nodes.size(); ++v) {
    if (map[v] >= 0) continue;
    const Node& n = src.nodes[v];
    std::vector<int> in;
    for (int i : n.inputs) in.push_back(map[i]);
    map[v] = dst.add(*n.op, std::move(in), n.attrs, n.loc, n.grad);
  }
  std::vector<int> out;
  for (int o : src.outputs) out.push_back(map[o]);
  return out;
}

}  // namespace gg
