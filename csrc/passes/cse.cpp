// Common-subexpression elimination: two nodes with the same op, operands and attributes compute
// the same value (every op is pure), so the later one is replaced by the earlier. Attributes
// compare by their exact bits: fill(NaN) is not fill(0), and -0.0 is not 0.0.
#include <cstring>
#include <map>
#include <tuple>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace gg {

namespace {
std::string attrs_key(const Attrs& attrs) {
  std::string key;
  for (const auto& [name, value] : attrs) {
    key += name;
    key += '=';
    if (const double* d = std::get_if<double>(&value)) {
      uint64_t bits;
      std::memcpy(&bits, d, sizeof bits);
      key += 'f';
      key += std::to_string(bits);
    } else {
      key += attr_value_str(value);
    }
    key += ';';
  }
  return key;
}
}  // namespace

Graph cse(const Graph& g) {
  Rewriter r(g);
  std::map<std::tuple<const OpDef*, std::vector<int>, std::string>, int> seen;
  for (int v = 0; v < static_cast<int>(g.nodes.size()); ++v) {
    if (r.is_input(v)) continue;
    Node n = r.mapped(v);
    if (n.op->stateful) {
      r.map[v] = r.push(std::move(n));
      continue;
    }
    auto key = std::make_tuple(n.op, n.inputs, attrs_key(n.attrs));
    auto it = seen.find(key);
    if (it != seen.end()) {
      r.map[v] = it->second;
      continue;
    }
    r.map[v] = seen[key] = r.push(std::move(n));
  }
  return r.finish();
}

}  // namespace gg
