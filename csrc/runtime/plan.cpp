#include "runtime/plan.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "kernels/matmul.h"
#include "runtime/comm.h"
#include "runtime/profile.h"
#include "runtime/thread_pool.h"

namespace gg {

namespace {
constexpr size_t kAlign = 64;
constexpr int kMaxInputs = 64;
// An output view may keep at most this much of its buffer alive beyond itself; a smaller part
// of a larger buffer is copied out (a loss must not pin the 8 MB gradient it was computed with).
constexpr size_t kMaxPinnedBytes = 64 << 10;
size_t aligned(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// First-fit placement of buffers in one arena; freed ranges merge with their neighbours.
class ArenaAllocator {
 public:
  size_t allocate(size_t bytes) {
    bytes = std::max(aligned(bytes), kAlign);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second < bytes) continue;
      const size_t offset = it->first, size = it->second;
      free_.erase(it);
      if (size > bytes) free_[offset + bytes] = size - bytes;
      return offset;
    }
    // Grow: a free range at the end extends.
    size_t offset = end_;
    if (!free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first + last->second == end_) {
        offset = last->first;
        free_.erase(last);
      }
    }
    if (offset + bytes < offset) throw AllocError("the work arena's size overflows");
    end_ = offset + bytes;
    return offset;
  }
  void release(size_t offset, size_t bytes) {
    bytes = std::max(aligned(bytes), kAlign);
    auto it = free_.emplace(offset, bytes).first;
    if (auto next = std::next(it); next != free_.end() && offset + bytes == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }
  size_t peak() const { return end_; }

 private:
  std::map<size_t, size_t> free_;  // offset -> size
  size_t end_ = 0;
};
}  // namespace

Plan::Plan(const Graph& g, const std::vector<std::pair<int, int>>& donations) : graph_(g) {
  const int n = static_cast<int>(g.nodes.size());
  values_.resize(n);

  // Where each value lives. An output's root buffer must outlive the call: its own Storage.
  for (size_t k = 0; k < g.inputs.size(); ++k) values_[g.inputs[k]] = {Where::Input, 0, static_cast<int>(k)};
  for (int v = 0; v < n; ++v) {
    const Node& node = g.nodes[v];
    if (node.op == &GG_OP("input") || node.op->alias_input < 0) continue;
    const int src = node.inputs[node.op->alias_input];
    size_t offset = values_[src].where == Where::Alias ? values_[src].offset : 0;
    if (node.op->view_offset) offset += static_cast<size_t>(node.op->view_offset(node.attrs)) * dtype_size(node.type.dtype);
    values_[v] = {Where::Alias, offset, root(src)};
  }
  copied_from_.assign(n, {-1, 0});
  for (int out : g.outputs) {
    const int src = root(out);
    if (values_[out].where == Where::Alias && values_[src].where != Where::Input &&
        g.nodes[out].type.bytes() + kMaxPinnedBytes < g.nodes[src].type.bytes()) {
      copied_from_[out] = {src, values_[out].offset};
      values_[out] = {Where::Arena, 0, 0};  // made an output root just below
    }
    const int r = root(out);
    if (values_[r].where == Where::Arena && std::find(output_roots_.begin(), output_roots_.end(), r) == output_roots_.end()) {
      values_[r] = {Where::Output, 0, static_cast<int>(output_roots_.size())};
      output_roots_.push_back(r);
      output_bytes_ += g.nodes[r].type.bytes();
    }
  }

  // Liveness of arena buffers: the last node that reads the buffer (through any alias).
  std::vector<int> last_use(n, -1);
  for (int v = 0; v < n; ++v)
    for (int in : g.nodes[v].inputs) last_use[root(in)] = std::max(last_use[root(in)], v);

  // Donations: output v may overwrite input u if every other reader of u runs before v, v reads
  // u (if at all) only as its in-place operand, no output is (a view of) u, and no node that
  // may fail at run time comes after v (a failed call must leave u, a Parameter, as it was).
  // A scatter_add (a gather's gradient) cannot fail once a gather has read the same indices
  // along an axis as long: an embedding's backward then leaves the other updates in place.
  const auto axis_length = [&](const Shape& shape, int64_t axis) {
    return shape[static_cast<size_t>(normalize_axes("plan", {axis}, static_cast<int>(shape.size()))[0])];
  };
  const auto may_fail = [&](int w) {
    const Node& node = g.nodes[w];
    if (!node.op->may_fail) return false;
    if (node.op != &GG_OP("scatter_add")) return true;
    const int64_t length = axis_length(attr_ints(node.attrs, "shape"), attr_int(node.attrs, "axis", 0));
    for (int e = 0; e < w; ++e) {
      const Node& gather = g.nodes[e];
      if (gather.op == &GG_OP("gather") && root(gather.inputs[1]) == root(node.inputs[1]) &&
          axis_length(g.nodes[gather.inputs[0]].type.shape, attr_int(gather.attrs, "axis", 0)) == length)
        return false;
    }
    return true;
  };
  int last_may_fail = -1;
  for (int w = 0; w < n; ++w)
    if (may_fail(w)) last_may_fail = w;
  donor_.assign(output_roots_.size(), -1);
  for (const auto& [o, k] : donations) {
    const int v = g.outputs.at(o), u = g.inputs.at(k);
    if (values_[v].where != Where::Output || !(g.nodes[v].type == g.nodes[u].type) || v < last_may_fail) continue;
    bool ok = std::none_of(g.outputs.begin(), g.outputs.end(), [&](int out) { return root(out) == u; });
    for (int w = 0; ok && w < n; ++w) {
      const Node& node = g.nodes[w];
      for (size_t j = 0; ok && j < node.inputs.size(); ++j)
        if (root(node.inputs[j]) == u)
          ok = w < v || (w == v && static_cast<int>(j) == node.op->inplace_input &&
                         std::count_if(node.inputs.begin(), node.inputs.end(), [&](int in) { return root(in) == u; }) == 1);
    }
    if (ok) donor_[values_[v].index] = k;
  }

  // Place arena buffers in node order. A node's output is placed before the inputs that die at
  // it are freed (a kernel reads its inputs while writing), unless the op may write in place.
  ArenaAllocator arena;
  for (int v = 0; v < n; ++v) {
    const Node& node = g.nodes[v];
    if (node.op == &GG_OP("input")) continue;
    if (node.inputs.size() > kMaxInputs) throw std::logic_error("Plan: " + node.op->name + " has too many inputs");
    if (const auto [src, offset] = copied_from_[v]; src >= 0) {
      steps_.push_back({[offset, bytes = node.type.bytes()](const void* const* in, void* out) {
                          std::memcpy(out, static_cast<const char*>(in[0]) + offset, bytes);
                        },
                        {src}, v});
    } else if (values_[v].where != Where::Alias) {
      std::vector<const Type*> types;
      for (int in : node.inputs) types.push_back(&g.nodes[in].type);
      steps_.push_back({node.op->compile(types, node.type, node.attrs), node.inputs, v});
    }
    if (values_[v].where == Where::Arena) {
      const int k = node.op->inplace_input;
      const int donor = k >= 0 ? root(node.inputs[k]) : -1;
      const bool reuse = donor >= 0 && values_[donor].where == Where::Arena && last_use[donor] == v &&
                         g.nodes[donor].type.bytes() == node.type.bytes() &&
                         std::count_if(node.inputs.begin(), node.inputs.end(),
                                       [&](int in) { return root(in) == donor; }) == 1;
      if (reuse) {
        values_[v].offset = values_[donor].offset;
        last_use[donor] = -1;  // its buffer now belongs to v
      } else {
        values_[v].offset = arena.allocate(node.type.bytes());
      }
      if (last_use[v] < 0) arena.release(values_[v].offset, node.type.bytes());  // never read
    }
    // Free the arena buffers whose last reader is this node.
    std::vector<int> dying;
    for (int in : node.inputs) {
      const int r = root(in);
      if (values_[r].where == Where::Arena && last_use[r] == v && std::find(dying.begin(), dying.end(), r) == dying.end())
        dying.push_back(r);
    }
    for (int r : dying) arena.release(values_[r].offset, g.nodes[r].type.bytes());
  }
  arena_bytes_ = arena.peak();
  batch_updates();
  size_t input_bytes = 0;
  for (int in : g.inputs) input_bytes += g.nodes[in].type.bytes();
  // A collective may wait long for the other ranks: never with the GIL held.
  light_ = input_bytes + arena_bytes_ + output_bytes_ <= (64 << 10) &&
           std::none_of(g.nodes.begin(), g.nodes.end(), [](const Node& node) { return node.op == &GG_OP("collective_wait"); });
}

// Consecutive weight updates (matmul_update) that neither read what another writes nor write
// where another reads run as one batch (kernels::begin_batch): on 2 threads, a train step's
// last two updates then take one thread each, the larger one's last tasks shared, rather than
// both threads in turn (each thread packs the operands of one product, not of both).
void Plan::batch_updates() {
  // Whether the buffers of values a and b may overlap: the same root, arena ranges that meet, or
  // an output root that may be written into a donated input.
  const auto overlap = [&](int a, int b) {
    a = root(a), b = root(b);
    if (a == b) return true;
    const Value &va = values_[a], &vb = values_[b];
    if (va.where == Where::Arena && vb.where == Where::Arena)
      return va.offset < vb.offset + graph_.nodes[b].type.bytes() && vb.offset < va.offset + graph_.nodes[a].type.bytes();
    const auto donated_into = [&](const Value& out, const Value& in) {
      return out.where == Where::Output && in.where == Where::Input && donor_[out.index] == in.index;
    };
    return donated_into(va, vb) || donated_into(vb, va);
  };
  const auto independent = [&](const Step& x, const Step& y) {
    if (overlap(x.out, y.out)) return false;
    for (int in : y.inputs)
      if (overlap(x.out, in)) return false;
    for (int in : x.inputs)
      if (overlap(y.out, in)) return false;
    return true;
  };
  const OpDef* update = &GG_OP("matmul_update");
  for (size_t i = 0; i < steps_.size();) {
    size_t j = i;
    while (j < steps_.size() && graph_.nodes[steps_[j].out].op == update &&
           std::all_of(steps_.begin() + static_cast<long>(i), steps_.begin() + static_cast<long>(j),
                       [&](const Step& x) { return independent(x, steps_[j]); }))
      ++j;
    if (j - i > 1) steps_[i].batch = static_cast<int>(j - i);
    i = std::max(j, i + 1);
  }
}

Plan::~Plan() {
  profile::forget(this);
  std::free(spare_arena_.load());
  for (void* a : arena_pool_) std::free(a);
}

void* Plan::acquire_arena() const {
  if (void* a = spare_arena_.exchange(nullptr)) return a;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!arena_pool_.empty()) {
      void* a = arena_pool_.back();
      arena_pool_.pop_back();
      return a;
    }
  }
  void* a = std::aligned_alloc(kAlign, std::max(arena_bytes_, kAlign));
  if (!a) throw AllocError("out of memory: cannot allocate the " + std::to_string(arena_bytes_) + "-byte work arena of '" + graph_.name + "'");
  return a;
}

void Plan::release_arena(void* arena) const {
  void* empty = nullptr;
  if (spare_arena_.compare_exchange_strong(empty, arena)) return;
  std::lock_guard<std::mutex> lock(pool_mutex_);
  arena_pool_.push_back(arena);
}

std::vector<Tensor> Plan::run(const std::vector<Tensor>& inputs) const {
  std::vector<const Tensor*> in(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) in[i] = &inputs[i];
  std::vector<Tensor> result(graph_.outputs.size());
  run(in.data(), in.size(), result.data(), 2);  // (the caller's tensor and its copy in `inputs`)
  return result;
}

void Plan::run(const Tensor* const* inputs, size_t n_inputs, Tensor* result, long refs) const {
  if (n_inputs != graph_.inputs.size())
    throw std::invalid_argument("graph expects " + std::to_string(graph_.inputs.size()) + " inputs, got " +
                                std::to_string(n_inputs));
  for (size_t i = 0; i < n_inputs; ++i)
    if (!(inputs[i]->type == graph_.nodes[graph_.inputs[i]].type))
      throw std::invalid_argument("graph input " + std::to_string(i) + " expects " +
                                  graph_.nodes[graph_.inputs[i]].type.str() + ", got " + inputs[i]->type.str());

  // The output roots' storage: on the stack for the usual few.
  const size_t n_roots = output_roots_.size();
  std::shared_ptr<Storage> few[4];
  std::vector<std::shared_ptr<Storage>> many(n_roots > 4 ? n_roots : 0);
  std::shared_ptr<Storage>* outputs = n_roots > 4 ? many.data() : few;
  for (size_t i = 0; i < n_roots; ++i) {
    // A donated input's buffer is taken only when the caller's side (the Parameter) holds it
    // alone: a Tensor that shares it must never change.
    const int k = donor_[i];
    if (k >= 0 && inputs[k]->offset == 0 && inputs[k]->storage.use_count() <= refs) outputs[i] = inputs[k]->storage;
    else outputs[i] = Tensor::new_storage(graph_.nodes[output_roots_[i]].type);
  }

  struct Lease {  // the arena goes back to the pool however the call ends, unless a failed
    const Plan* plan;  // call left a collective in flight on it (the transfer may still write it)
    void* arena;
    ~Lease() {
      if (!comm::in_flight_within(arena, plan->arena_bytes_)) plan->release_arena(arena);
    }
  } lease{this, acquire_arena()};
  char* arena = static_cast<char*>(lease.arena);

  const int n = static_cast<int>(values_.size());
  void* small[64];  // most graphs: no heap allocation for the pointer table
  std::vector<void*> large(n > 64 ? n : 0);
  void** ptr = n > 64 ? large.data() : small;
  // A root's storage and where in it the root's data starts (an input may itself be a view).
  auto root_storage = [&](int r) -> std::pair<const std::shared_ptr<Storage>*, size_t> {
    const Value& val = values_[r];
    if (val.where == Where::Input) return {&inputs[val.index]->storage, inputs[val.index]->offset};
    if (val.where == Where::Output) return {&outputs[val.index], 0};
    return {nullptr, 0};
  };
  for (int v = 0; v < n; ++v) {
    const Value& val = values_[v];
    const bool alias = val.where == Where::Alias;
    const int r = alias ? val.index : v;
    const size_t view = alias ? val.offset : 0;
    if (values_[r].where == Where::Arena) {
      ptr[v] = arena + values_[r].offset + view;
    } else if (const auto [s, start] = root_storage(r); s && *s) {
      ptr[v] = static_cast<char*>((*s)->data) + start + view;
    }
  }

  const void* args[kMaxInputs];
  // On one thread a batch would run its products in turn anyway: the steps then run (and are
  // timed) one by one.
  const int min_batch = get_num_threads() > 1 ? 2 : std::numeric_limits<int>::max();
  const auto run_step = [&](const Step& s) {
    for (size_t i = 0; i < s.inputs.size(); ++i) args[i] = ptr[s.inputs[i]];
    s.kernel(args, ptr[s.out]);
  };
  // Runs steps [i, i + count) as one batch of products; returns the step after them.
  const auto run_batch = [&](size_t i, int count) {
    kernels::begin_batch();
    try {
      for (int b = 0; b < count; ++b) run_step(steps_[i + b]);
    } catch (...) {
      kernels::cancel_batch();
      throw;
    }
    kernels::end_batch();
    return i + count;
  };
  if (profile::enabled()) [[unlikely]] {  // the same loop, timed (GRAPHGRAD_PROFILE, graphgrad.profile())
    profile::Timer timer(*this, steps_.size());
    for (size_t i = 0; i < steps_.size();) {
      const int count = steps_[i].batch;
      if (count >= min_batch) {
        i = run_batch(i, count);
        timer.lap_batch(count);
      } else {
        run_step(steps_[i++]);
        timer.lap();
      }
    }
    timer.commit();
  } else {
    for (size_t i = 0; i < steps_.size();) {
      if (steps_[i].batch >= min_batch) i = run_batch(i, steps_[i].batch);
      else run_step(steps_[i++]);
    }
  }

  for (size_t j = 0; j < graph_.outputs.size(); ++j) {
    const int out = graph_.outputs[j];
    const bool alias = values_[out].where == Where::Alias;
    const int r = alias ? values_[out].index : out;
    const auto [s, start] = root_storage(r);
    result[j] = Tensor{graph_.nodes[out].type, *s, start + (alias ? values_[out].offset : 0)};
  }
}

std::string Plan::describe() const {
  const std::vector<std::string> names = value_names(graph_);
  std::vector<std::string> notes(values_.size());
  for (size_t v = 0; v < values_.size(); ++v) {
    const Value& val = values_[v];
    switch (val.where) {
      case Where::Input: break;
      case Where::Output:
        notes[v] = copied_from_[v].first >= 0 ? "-> new buffer, copied out of " + names[copied_from_[v].first]
                   : donor_[val.index] >= 0   ? "-> into " + names[graph_.inputs[donor_[val.index]]] + " (donated)"
                                              : "-> new buffer";
        break;
      case Where::Alias:
        notes[v] = "= view of " + names[val.index] + (val.offset ? " at byte " + std::to_string(val.offset) : "");
        break;
      case Where::Arena:
        notes[v] = "@ arena[" + std::to_string(val.offset) + ":" +
                   std::to_string(val.offset + graph_.nodes[v].type.bytes()) + "]";
        break;
    }
  }
  for (size_t i = 0; i < steps_.size(); ++i) {  // the steps that run as one batch
    const int count = steps_[i].batch;
    for (int b = 0; count > 1 && b < count; ++b) {
      std::string with;
      for (int o = 0; o < count; ++o)
        if (o != b) with += (with.empty() ? "" : ", ") + names[steps_[i + o].out];
      notes[steps_[i + b].out] += ", batched with " + with;
    }
  }
  std::ostringstream out;
  out << "# " << steps_.size() << " kernels; planned peak " << arena_bytes_ + output_bytes_ << " bytes (arena "
      << arena_bytes_ << ", outputs " << output_bytes_ << ")\n";
  return out.str() + to_text(graph_, &notes);
}

Tensor run_op(const OpDef& op, const std::vector<Tensor>& inputs, const Attrs& attrs) {
  const int n = static_cast<int>(inputs.size());
  if (n < op.min_inputs || n > op.max_inputs)
    throw std::invalid_argument(op.name + ": expected " + std::to_string(op.min_inputs) + ".." +
                                std::to_string(op.max_inputs) + " inputs, got " + std::to_string(n));
  std::vector<const Type*> types;
  std::vector<const void*> args;
  for (const Tensor& t : inputs) {
    types.push_back(&t.type);
    args.push_back(t.ptr());
  }
  const Type type = op.infer(types, attrs);
  if (op.alias_input >= 0) {
    const Tensor& src = inputs[op.alias_input];
    const size_t view = op.view_offset ? static_cast<size_t>(op.view_offset(attrs)) * dtype_size(type.dtype) : 0;
    return Tensor{type, src.storage, src.offset + view};
  }
  Tensor out = Tensor::empty(type);
  op.compile(types, type, attrs)(args.data(), out.ptr());
  return out;
}

}  // namespace gg
