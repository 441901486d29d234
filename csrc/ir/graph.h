// The IR: a graph is a list of nodes in topological order. Each node is one op applied to earlier
// values, with attributes, an output type inferred by the op's shape rule when the node is added,
// and the user's source line. Graph inputs are nodes of op `input` at the front.
#pragma once
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/types.h"

namespace gg {

struct OpDef;

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>>;
using Attrs = std::map<std::string, AttrValue>;  // sorted by name: the dump is deterministic

int64_t attr_int(const Attrs& a, const std::string& name, int64_t fallback);
double attr_float(const Attrs& a, const std::string& name, double fallback);
const std::string& attr_str(const Attrs& a, const std::string& name);
const std::vector<int64_t>& attr_ints(const Attrs& a, const std::string& name);

struct Node {
  const OpDef* op = nullptr;
  std::vector<int> inputs;
  Attrs attrs;
  Type type;
  std::string loc;   // the user's "file.py:21", captured while tracing
  bool grad = false;  // made by the gradient pass (its loc is the forward line it differentiates)
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<int> inputs;   // node ids of the `input` nodes, in call order
  std::vector<int> outputs;  // node ids

  // A graph input; `name` is the argument or Parameter name, `kind` is "arg", "param" or "const".
  int add_input(const Type& type, const std::string& name, const std::string& kind);
  // Adds op(inputs) after checking arity and running the op's shape rule, which throws
  // ShapeError / DTypeError naming the op and the operand types.
  int add(const std::string& op, std::vector<int> inputs, Attrs attrs = {}, std::string loc = {},
          bool grad = false);
  int add(const OpDef& op, std::vector<int> inputs, Attrs attrs = {}, std::string loc = {}, bool grad = false);

  const Type& type(int id) const { return nodes.at(id).type; }
};

// Copies src's nodes into dst, src's inputs standing for the dst values `inputs` (one each,
// of the same types); returns the dst ids of src's outputs. How a grad or jit called inside
// another trace becomes part of the outer graph.
std::vector<int> inline_into(Graph& dst, const Graph& src, const std::vector<int>& inputs);

// The text form, one node a line (see DESIGN.md), and its pieces.
// `notes`, when given, holds one annotation per node, printed after its type (the memory plan).
std::string to_text(const Graph& g, const std::vector<std::string>* notes = nullptr);
std::vector<std::string> value_names(const Graph& g);  // "%x" for inputs, "%0", "%1", ... for nodes
std::string attr_value_str(const AttrValue& v);
std::string node_text(const std::vector<std::string>& names, const std::string& result, const std::string& op,
                      const std::vector<int>& inputs, const Attrs& attrs);  // "%3 = add(%1, %b)"

// The Graphviz (DOT) form: ops as boxes, typed value edges, the gradient part in its own cluster.
std::string to_dot(const Graph& g);

// Checks the invariants: input nodes first and listed once, each value defined once and before
// use, each node's type what its op's shape rule gives, outputs exist. Throws std::logic_error.
void verify(const Graph& g);

}  // namespace gg
