// The call path of a compiled function, in C++: signature lookup by the arguments' interned
// types, the plan run (with the GIL released, unless the plan is light), the results handed back
// as new Tensors in the structure the function returns. Python is only entered on a miss (to
// trace and compile).
#include <pybind11/stl.h>

#include <algorithm>
#include <span>
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
  py::object run(const PyTensor* const* args) const {
    std::vector<Tensor> inputs;
    inputs.reserve(arg_positions.size() + captured.size());
    for (int p : arg_positions) inputs.push_back(args[p]->value);
    for (const py::object& c : captured) {
      const PyTensor& t = c.cast<const PyTensor&>();
      if (t.symbolic()) throw py::type_error("a captured tensor is symbolic (it leaked out of a trace)");
      inputs.push_back(t.value);
    }
    std::vector<Tensor> outs;
    if (plan->light()) {
      outs = plan->run(inputs);
    } else {
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
    return run(ts.data());
  }
};

// Keys are looked up as spans over the caller's stack (heterogeneous lookup): no allocation.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::span<const int> v) const {
    size_t h = v.size();
    for (int x : v) h = h * 1000003u ^ static_cast<size_t>(x);
    return h;
  }
};
struct KeyEq {
  using is_transparent = void;
  bool operator()(std::span<const int> a, std::span<const int> b) const { return std::ranges::equal(a, b); }
};

// The fast path's table: calls whose arguments are all concrete Tensors, keyed by their types.
class CallCache {
 public:
  // The result, or None when this signature has no entry (the caller compiles and adds one) or
  // has more than kMaxArgs arguments (the caller's path runs those).
  py::object call(const py::tuple& args) const {
    int key[kMaxArgs];
    const PyTensor* ts[kMaxArgs];
    if (!key_of(args, key, ts)) return py::none();
    auto it = entries_.find(std::span<const int>(key, args.size()));
    if (it == entries_.end()) return py::none();
    std::shared_ptr<Compiled> c = it->second;  // stays alive while the GIL is released
    return c->run(ts);
  }
  void add(const py::tuple& args, std::shared_ptr<Compiled> c) {
    int key[kMaxArgs];
    const PyTensor* ts[kMaxArgs];
    if (key_of(args, key, ts)) entries_[std::vector<int>(key, key + args.size())] = std::move(c);
  }
  size_t size() const { return entries_.size(); }

 private:
  static constexpr size_t kMaxArgs = 32;
  static bool key_of(const py::tuple& args, int* key, const PyTensor** ts) {
    if (args.size() > kMaxArgs) return false;
    for (size_t i = 0; i < args.size(); ++i) {
      PyObject* a = PyTuple_GET_ITEM(args.ptr(), i);
      if (!py::isinstance<PyTensor>(a)) return false;
      const PyTensor& t = py::handle(a).cast<const PyTensor&>();
      if (t.symbolic()) return false;
      key[i] = t.type_id;
      ts[i] = &t;
    }
    return true;
  }
  std::unordered_map<std::vector<int>, std::shared_ptr<Compiled>, KeyHash, KeyEq> entries_;
};

// The __call__ of the compiled functions (_grad.py installs it on _GraphFunction), in the C API
// because a Python frame, or pybind11's dispatch, costs about as much as the whole call of a
// small plan: a cache hit runs here; anything else (keyword arguments, a replaced Parameter, a
// call inside a trace, a new signature) goes to self._call(args, kwargs), the Python path.
PyObject* g_generation = nullptr;  // _grad._generation, [count of Parameter replacements]
PyObject* g_local = nullptr;       // _trace._local: .trace is this thread's current trace

PyObject* graph_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  static PyObject* const kGeneration = PyUnicode_InternFromString("_generation");
  static PyObject* const kFast = PyUnicode_InternFromString("_fast");
  static PyObject* const kTrace = PyUnicode_InternFromString("trace");
  static PyObject* const kCall = PyUnicode_InternFromString("_call");
  auto attr = [](PyObject* o, PyObject* name) {
    PyObject* v = PyObject_GetAttr(o, name);
    if (!v) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(v);
  };
  try {
    if (!kwargs || PyDict_GET_SIZE(kwargs) == 0) {
      const py::object generation = attr(self, kGeneration), trace = attr(g_local, kTrace);
      if (generation.equal(py::handle(PyList_GET_ITEM(g_generation, 0))) && trace.is_none()) {
        py::object result = attr(self, kFast).cast<const CallCache&>().call(py::reinterpret_borrow<py::tuple>(args));
        if (!result.is_none()) return result.release().ptr();
      }
    }
    const py::object keywords = kwargs ? py::reinterpret_borrow<py::object>(kwargs) : py::dict();
    return attr(self, kCall)(py::handle(args), keywords).release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();  // as pybind11's own dispatcher does
    return nullptr;
  }
}

PyMethodDef kGraphCall = {"__call__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(graph_call)),
                          METH_VARARGS | METH_KEYWORDS, "Runs the compiled function (compiling it for a new signature)."};
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

  m.def("install_call", [](py::type cls, py::list generation, py::object local) {
    g_generation = generation.release().ptr();  // kept for the process, as the class is
    g_local = local.release().ptr();
    PyObject* call = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &kGraphCall);
    if (!call) throw py::error_already_set();
    cls.attr("__call__") = py::reinterpret_steal<py::object>(call);
  });
}

}  // namespace gg::pyapi
