// The call path of a compiled function, in C++: signature lookup by the arguments' interned
// types, the plan run with the GIL released, the results handed back as new Tensors in the
// structure the function returns. Python is only entered on a miss (to trace and compile).
#include <pybind11/stl.h>

#include <unordered_map>

#include "python/py_tensor.h"
#include "runtime/plan.h"

namespace gg::pyapi {

namespace {

// One compiled signature: the plan, where its inputs come from, how its outputs are returned.
struct Compiled {
  std::shared_ptr<Plan> plan;
  std::vector<int> arg_positions;    // positional arguments that are graph inputs, in order
  std::vector<py::object> captured;  // Tensors read while tracing (Parameters): read at each call
  py::object result;                 // nested tuples of output indices: the shape of the result
  std::vector<int> out_type_ids;     // interned output types (no interning per call)
  std::vector<std::pair<py::object, int>> updates;  // (Parameter, output): its value after the call

  py::object build(const std::vector<Tensor>& outs, const py::handle& node) const {
    if (PyTuple_Check(node.ptr())) {
      py::tuple t = py::reinterpret_borrow<py::tuple>(node);
      py::tuple r(t.size());
      for (size_t i = 0; i < t.size(); ++i) r[i] = build(outs, t[i]);
      return r;
    }
    const size_t i = node.cast<size_t>();
    PyTensor p;
    p.value = outs.at(i);
    p.type_id = out_type_ids.at(i);
    return py::cast(std::move(p));
  }

  // `args[i]` already checked to be concrete tensors where the plan reads them.
  py::object run(const std::vector<const PyTensor*>& args) const {
    std::vector<Tensor> inputs;
    inputs.reserve(arg_positions.size() + captured.size());
    for (int p : arg_positions) inputs.push_back(args[p]->value);
    for (const py::object& c : captured) {
      const PyTensor& t = c.cast<const PyTensor&>();
      if (t.symbolic()) throw py::type_error("a captured tensor is symbolic (it leaked out of a trace)");
      inputs.push_back(t.value);
    }
    std::vector<Tensor> outs;
    {
      py::gil_scoped_release unlocked;
      outs = plan->run(inputs);
    }
    // Only after a run that succeeded: a failed call leaves every Parameter as it was.
    for (const auto& [param, i] : updates) param.cast<PyTensor&>().value = outs.at(i);
    return build(outs, result);
  }

  py::object operator()(const py::tuple& args) const {
    std::vector<const PyTensor*> ts(args.size(), nullptr);
    for (int p : arg_positions) ts[p] = &args[p].cast<const PyTensor&>();
    return run(ts);
  }
};

struct VectorHash {
  size_t operator()(const std::vector<int>& v) const {
    size_t h = v.size();
    for (int x : v) h = h * 1000003u ^ static_cast<size_t>(x);
    return h;
  }
};

// The fast path's table: calls whose arguments are all concrete Tensors, keyed by their types.
class CallCache {
 public:
  // The result, or None when this signature has no entry (the caller compiles and adds one).
  py::object call(const py::tuple& args) const {
    std::vector<int> key;
    std::vector<const PyTensor*> ts;
    if (!key_of(args, key, ts)) return py::none();
    auto it = entries_.find(key);
    if (it == entries_.end()) return py::none();
    std::shared_ptr<Compiled> c = it->second;  // stays alive while the GIL is released
    return c->run(ts);
  }
  void add(const py::tuple& args, std::shared_ptr<Compiled> c) {
    std::vector<int> key;
    std::vector<const PyTensor*> ts;
    if (key_of(args, key, ts)) entries_[key] = std::move(c);
  }
  size_t size() const { return entries_.size(); }

 private:
  static bool key_of(const py::tuple& args, std::vector<int>& key, std::vector<const PyTensor*>& ts) {
    key.reserve(args.size());
    ts.reserve(args.size());
    for (const py::handle& a : args) {
      if (!py::isinstance<PyTensor>(a)) return false;
      const PyTensor& t = a.cast<const PyTensor&>();
      if (t.symbolic()) return false;
      key.push_back(t.type_id);
      ts.push_back(&t);
    }
    return true;
  }
  std::unordered_map<std::vector<int>, std::shared_ptr<Compiled>, VectorHash> entries_;
};

}  // namespace

void bind_call_path(py::module_& m) {
  py::class_<Compiled, std::shared_ptr<Compiled>>(m, "Compiled")
      .def(py::init([](std::shared_ptr<Plan> plan, std::vector<int> positions, std::vector<py::object> captured,
                       py::object result, std::vector<std::pair<py::object, int>> updates) {
             std::vector<int> ids;
             for (int out : plan->graph().outputs) ids.push_back(intern_type(plan->graph().type(out)));
             return std::make_shared<Compiled>(Compiled{std::move(plan), std::move(positions), std::move(captured),
                                                        std::move(result), std::move(ids), std::move(updates)});
           }),
           py::arg("plan"), py::arg("arg_positions"), py::arg("captured"), py::arg("result"),
           py::arg("updates") = std::vector<std::pair<py::object, int>>{})
      .def("__call__", &Compiled::operator())
      .def_property_readonly("plan", [](const Compiled& c) { return c.plan; });

  py::class_<CallCache>(m, "CallCache")
      .def(py::init<>())
      .def("call", &CallCache::call)
      .def("add", &CallCache::add)
      .def("__len__", &CallCache::size);
}

}  // namespace gg::pyapi
