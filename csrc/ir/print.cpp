// The text form of a graph: a short typed program, one node a line, each pointing back to the
// user's source line. Deterministic: no addresses, attributes sorted by name.
#include <set>
#include <sstream>

#include "ir/graph.h"
#include "ops/op.h"

namespace gg {

std::string attr_value_str(const AttrValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    std::ostringstream s;
    s << *d;
    return s.str();
  }
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return shape_str(std::get<std::vector<int64_t>>(v));
}

std::vector<std::string> value_names(const Graph& g) {
  std::vector<std::string> names(g.nodes.size());
  std::set<std::string> taken;
  int counter = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op != &GG_OP("input")) {
      names[i] = std::string(1, '%') += std::to_string(counter++);
      continue;
    }
    std::string base = attr_str(n.attrs, "name");
    if (base.empty()) base = "in" + std::to_string(i);
    std::string name = base;
    for (int k = 1; taken.count(name); ++k) name = base + "." + std::to_string(k);  // shared names
    taken.insert(name);
    names[i] = std::string(1, '%') += name;
  }
  return names;
}

std::string node_text(const std::vector<std::string>& names, const std::string& result, const std::string& op,
                      const std::vector<int>& inputs, const Attrs& attrs) {
  std::string s = result + " = " + op + "(";
  for (size_t j = 0; j < inputs.size(); ++j) {
    if (j) s += ", ";
    s += names[inputs[j]];
  }
  s += ")";
  if (!attrs.empty()) {
    std::string a;
    for (const auto& [k, v] : attrs) {
      if (!a.empty()) a += ", ";
      a += k;
      a += "=";
      a += attr_value_str(v);
    }
    s += " {" + a + "}";
  }
  return s;
}

std::string to_text(const Graph& g, const std::vector<std::string>* notes) {
  const std::vector<std::string> names = value_names(g);
  std::ostringstream out;
  out << "graph " << (g.name.empty() ? "main" : g.name) << "(";
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    const Node& n = g.nodes[g.inputs[k]];
    const std::string& kind = attr_str(n.attrs, "kind");
    out << (k ? ", " : "") << names[g.inputs[k]] << ": " << n.type.str() << (kind == "arg" ? "" : " " + kind);
  }
  out << ") -> (";
  for (size_t k = 0; k < g.outputs.size(); ++k) out << (k ? ", " : "") << g.type(g.outputs[k]).str();
  out << ") {\n";

  struct Line {
    std::string text, type, note, loc;
  };
  std::vector<Line> lines;
  size_t width = 0, type_width = 0, note_width = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op == &GG_OP("input")) continue;
    Line l{"  " + node_text(names, names[i], n.op->name, n.inputs, n.attrs), n.type.str(), notes ? (*notes)[i] : "",
           n.loc};
    if (n.grad) l.loc = n.loc.empty() ? "gradient" : "grad of " + n.loc;
    width = std::max(width, l.text.size());
    type_width = std::max(type_width, l.type.size());
    note_width = std::max(note_width, l.note.size());
    lines.push_back(std::move(l));
  }
  for (const Line& l : lines) {
    out << l.text << std::string(width - l.text.size() + 1, ' ') << ": " << l.type;
    if (note_width) out << std::string(type_width - l.type.size() + 2, ' ') << l.note;
    const size_t pad = note_width ? note_width - l.note.size() + 3 : type_width - l.type.size() + 3;
    if (!l.loc.empty()) out << std::string(pad, ' ') << "# " << l.loc;
    out << "\n";
  }
  out << "  return ";
  for (size_t k = 0; k < g.outputs.size(); ++k) out << (k ? ", " : "") << names[g.outputs[k]];
  out << "\n}\n";
  return out.str();
}

}  // namespace gg
