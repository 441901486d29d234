// Collectives across the ranks of a group, as a pair of nodes (see runtime/comm.h):
//   %w = collective_start(%x) {kind, op, root, n, name}   hands the data to the backend, returns
//   %y = collective_wait(%w) {kind, n, name}              blocks until it is done
// `n` is the group's size (all_gather's and reduce_scatter's shapes depend on it); `name` says
// whose tensor it is, in messages and the dump. Both are stateful: passes never merge, fold or
// move one across another except schedule_collectives, which starts them early and waits late.
// Gradients: all_reduce(sum) of the cotangent for all_reduce(sum), reduce_scatter for all_gather
// and all_gather for reduce_scatter, each itself a start/wait pair, so they differentiate again.
#include <cstring>

#include "ops/op.h"
#include "runtime/comm.h"

namespace gg {

namespace {
comm::Collective collective(const Attrs& a) {
  return {attr_str(a, "kind"), a.count("op") ? attr_str(a, "op") : "sum", attr_int(a, "root", 0),
          attr_str(a, "name")};
}

int64_t group_size(const std::string& op, const Attrs& a) {
  const int64_t n = attr_int(a, "n", 0);
  if (n < 1) throw std::invalid_argument(op + ": the group size n must be >= 1, got " + std::to_string(n));
  return n;
}

// A pair in the graph being built: the value of kind(x) across the group.
int emit_collective(const Builder& b, int x, const std::string& kind, const Attrs& like) {
  Attrs a{{"kind", kind}, {"n", like.at("n")}, {"name", like.at("name")}};
  Attrs start = a;
  if (kind != "all_gather") start["op"] = std::string("sum");
  return b.op(GG_OP("collective_wait"), {b.op(GG_OP("collective_start"), {x}, start)}, a);
}

OpDef start_op() {
  OpDef d;
  d.name = "collective_start";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {"kind", "op", "root", "n", "name"};
  d.stateful = true;
  d.inplace_input = 0;  // all_reduce and broadcast run in place on a buffer that dies here
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    const std::string& kind = attr_str(a, "kind");
    const int64_t n = group_size("collective_start", a);
    const Type& x = *in[0];
    const std::string what = kind + " of '" + attr_str(a, "name") + "'";
    if (x.dtype == DType::F16 || x.dtype == DType::Bool)
      throw DTypeError(what + ": MPI has no " + dtype_short(x.dtype) + " reduction here; cast to float32 or int32, got " + x.str());
    if (kind == "all_reduce" || kind == "reduce_scatter") {
      const std::string& op = attr_str(a, "op");
      if (op != "sum" && op != "max" && op != "min" && op != "prod")
        throw std::invalid_argument(what + ": op must be sum, max, min or prod, got '" + op + "'");
    }
    if (kind == "all_reduce" || kind == "broadcast") {
      const int64_t root = attr_int(a, "root", 0);
      if (root < 0 || root >= n) throw std::invalid_argument(what + ": root rank " + std::to_string(root) + " is not in a group of " + std::to_string(n));
      return x;
    }
    if (kind != "all_gather" && kind != "reduce_scatter")
      throw std::invalid_argument("collective_start: unknown kind '" + kind + "'");
    if (x.shape.empty()) throw ShapeError(what + ": needs at least one dimension, got a 0-d tensor");
    if (kind == "reduce_scatter" && x.shape[0] % n != 0)
      throw ShapeError(what + ": the first dimension (" + std::to_string(x.shape[0]) + ") must divide by the group size " + std::to_string(n) + ", got " + x.str());
    Type work = x;
    if (kind == "all_gather") work.shape[0] *= n;
    return work;
  };
  d.compile = [](const std::vector<const Type*>& in, const Type& out, const Attrs& a) -> Kernel {
    return [c = collective(a), in_type = *in[0], out](const void* const* args, void* work) {
      comm::start(c, args[0], in_type, work, out);
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    const std::string& kind = attr_str(c.attrs, "kind");
    if (kind == "all_reduce" && attr_str(c.attrs, "op") == "sum") {
      grads[0] = emit_collective(c.b, c.grad, "all_reduce", c.attrs);
    } else if (kind == "all_gather") {
      grads[0] = emit_collective(c.b, c.grad, "reduce_scatter", c.attrs);
    } else if (kind == "reduce_scatter") {  // the work buffer's first block is the result
      Shape block = c.in_type(0).shape;
      block[0] /= attr_int(c.attrs, "n", 1);
      const std::vector<int64_t> zero(block.size(), 0), one(block.size(), 1);
      const int first = c.b.op(GG_OP("slice"), {c.grad}, {{"start", zero}, {"step", one}, {"shape", block}});
      grads[0] = emit_collective(c.b, first, "all_gather", c.attrs);
    } else {
      throw std::invalid_argument(kind + " of '" + attr_str(c.attrs, "name") + "': no gradient for " + kind +
                                  (kind == "all_reduce" ? " with op " + attr_str(c.attrs, "op") : std::string()));
    }
  };
  return d;
}

OpDef wait_op() {
  OpDef d;
  d.name = "collective_wait";
  d.min_inputs = d.max_inputs = 1;
  d.attrs = {"kind", "n", "name"};
  d.stateful = true;
  d.inplace_input = 0;
  d.infer = [](const std::vector<const Type*>& in, const Attrs& a) {
    Type t = *in[0];
    if (attr_str(a, "kind") == "reduce_scatter") {
      if (t.shape.empty()) throw ShapeError("collective_wait: reduce_scatter needs at least one dimension");
      t.shape[0] /= group_size("collective_wait", a);
    }
    return t;
  };
  d.compile = [](const std::vector<const Type*>&, const Type& out, const Attrs& a) -> Kernel {
    return [name = attr_str(a, "name"), bytes = out.bytes()](const void* const* args, void* o) {
      comm::wait(args[0], name);
      if (o != args[0]) std::memcpy(o, args[0], bytes);  // reduce_scatter: this rank's block comes first
    };
  };
  d.vjp = [](VjpContext& c, std::vector<int>& grads) {
    if (attr_str(c.attrs, "kind") != "reduce_scatter") {
      grads[0] = c.grad;
      return;
    }
    const Shape& full = c.in_type(0).shape;
    const std::vector<int64_t> zero(full.size(), 0), one(full.size(), 1);
    grads[0] = c.b.op(GG_OP("unslice"), {c.grad},
                      {{"start", zero}, {"step", one}, {"shape", c.out_type().shape}, {"full", full}});
  };
  return d;
}
}  // namespace

std::vector<OpDef> collective_ops() { return {start_op(), wait_op()}; }

}  // namespace gg
