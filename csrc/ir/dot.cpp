// The Graphviz form of a graph: ops as boxes, values as edges labelled with their types, graph
// inputs as ellipses, the gradient part in a shaded cluster.
#include <sstream>

#include "ir/graph.h"
#include "ops/op.h"

namespace gg {

namespace {
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string to_dot(const Graph& g) {
  std::ostringstream out;
  out << "digraph \"" << escape(g.name) << "\" {\n"
      << "  rankdir=TB;\n"
      << "  node [shape=box, style=rounded, fontname=\"monospace\", fontsize=10];\n"
      << "  edge [fontname=\"monospace\", fontsize=9];\n";
  const std::vector<std::string> names = value_names(g);
  auto node_decl = [&](int i) {
    const Node& n = g.nodes[i];
    std::string label = names[i] + " = " + n.op->name;
    for (const auto& [k, v] : n.attrs) label += "\\n" + escape(k) + "=" + escape(attr_value_str(v));
    if (!n.loc.empty()) label += "\\n" + std::string(n.grad ? "grad of " : "") + escape(n.loc);
    out << "    n" << i << " [label=\"" << label << "\"];\n";
  };
  for (int id : g.inputs) {
    const Node& n = g.nodes[id];
    out << "  n" << id << " [shape=ellipse, label=\"" << escape(names[id]) << "\\n" << n.type.str()
        << (attr_str(n.attrs, "kind") == "arg" ? "" : "\\n" + attr_str(n.attrs, "kind")) << "\"];\n";
  }
  out << "  subgraph cluster_forward {\n    label=\"forward\"; color=\"#999999\";\n";
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i)
    if (g.nodes[i].op != &GG_OP("input") && !g.nodes[i].grad) node_decl(i);
  out << "  }\n  subgraph cluster_gradient {\n    label=\"gradient\"; color=\"#cc6600\"; style=filled; "
         "fillcolor=\"#fff3e0\";\n";
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i)
    if (g.nodes[i].grad) node_decl(i);
  out << "  }\n  outputs [shape=doubleoctagon, label=\"return\"];\n";
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i)
    for (int in : g.nodes[i].inputs)
      out << "  n" << in << " -> n" << i << " [label=\"" << g.nodes[in].type.str() << "\"];\n";
  for (size_t k = 0; k < g.outputs.size(); ++k)
    out << "  n" << g.outputs[k] << " -> outputs [label=\"" << k << ": " << g.type(g.outputs[k]).str() << "\"];\n";
  out << "}\n";
  return out.str();
}

}  // namespace gg
