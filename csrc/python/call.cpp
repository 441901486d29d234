// The call path of a compiled function, in C++: signature lookup by the arguments' interned
// types, the plan run (with the GIL released, unless the plan is light), the results handed back
// as new Tensors in the structure the function returns. Python is only entered on a miss (to
// trace and compile).
#include <pybind11/stl.h>
#include <structmember.h>

#include <algorithm>
#include <span>
#include <unordered_map>

#include "python/py_tensor.h"
#include "runtime/plan.h"

namespace gg::pyapi {

thread_local bool t_tracing = false;

namespace {

// One compiled signature: the plan, where its inputs come from, how its outputs are returned.
struct Compiled {
  std::shared_ptr<Plan> plan;
  std::vector<int> arg_positions;    // positional arguments that are graph inputs, in order
  std::vector<py::object> captured;  // Tensors read while tracing (Parameters): read at each call
  py::object result;                 // nested tuples of output indices: the shape of the result (None: none)
  std::vector<int> out_type_ids;     // interned output types (no interning per call)
  std::vector<std::pair<py::object, int>> updates;  // (Parameter, output): its value after the call
  int single = -1;                   // result is this one output (no tuple)
  bool move_outputs = false;         // every output is used once by result and updates together

  void init() {
    std::vector<int> uses(out_type_ids.size());
    if (!result.is_none()) count_uses(result, uses);
    for (const auto& u : updates) ++uses.at(u.second);
    move_outputs = std::ranges::all_of(uses, [](int n) { return n <= 1; });
    if (!result.is_none() && !PyTuple_Check(result.ptr())) single = result.cast<int>();
  }
  static void count_uses(const py::handle& node, std::vector<int>& uses) {
    if (PyTuple_Check(node.ptr()))
      for (const py::handle& item : py::reinterpret_borrow<py::tuple>(node)) count_uses(item, uses);
    else
      ++uses.at(node.cast<size_t>());
  }

  py::object make(Tensor* outs, size_t i) const {
    PyTensor p;
    p.type_id = out_type_ids[i];  // (init() checked every index against the outputs' count)
    p.value = move_outputs ? std::move(outs[i]) : outs[i];
    return new_tensor(std::move(p));
  }
  py::object build(Tensor* outs, const py::handle& node) const {
    if (PyTuple_Check(node.ptr())) {
      py::tuple t = py::reinterpret_borrow<py::tuple>(node);
      py::tuple r(t.size());
      for (size_t i = 0; i < t.size(); ++i) r[i] = build(outs, t[i]);
      return r;
    }
    return make(outs, node.cast<size_t>());
  }

  // `args[i]` already checked to be concrete tensors where the plan reads them.
  py::object run(const PyTensor* const* args) const {
    // The plan reads the callers' tensors in place. With the GIL released, another thread may
    // replace a Parameter's value meanwhile (its own call's update, set_data): then the plan
    // reads copies, which keep each input's storage alive.
    const bool light = plan->light();
    const size_t n = arg_positions.size() + captured.size();
    const Tensor* few[16];
    std::vector<const Tensor*> many(n > 16 ? n : 0);
    const Tensor** inputs = n > 16 ? many.data() : few;
    size_t j = 0;
    for (int p : arg_positions) inputs[j++] = &args[p]->value;
    for (const py::object& c : captured) {
      const PyTensor* t = value_of<const PyTensor>(c.ptr());
      if (!t) t = &c.cast<const PyTensor&>();
      if (t->symbolic()) throw py::type_error("a captured tensor is symbolic (it leaked out of a trace)");
      inputs[j++] = &t->value;
    }
    std::vector<Tensor> copies;
    if (!light) {
      copies.reserve(n);
      for (size_t i = 0; i < n; ++i) inputs[i] = &copies.emplace_back(*inputs[i]);
    }
    const size_t n_out = out_type_ids.size();
    Tensor few_outs[4];
    std::vector<Tensor> many_outs(n_out > 4 ? n_out : 0);
    Tensor* outs = n_out > 4 ? many_outs.data() : few_outs;
    if (light) {
      plan->run(inputs, n, outs, 1);
    } else {
      py::gil_scoped_release unlocked;
      plan->run(inputs, n, outs, 2);  // (the caller's tensor and its copy)
    }
    // Only after a run that succeeded: a failed call leaves every Parameter as it was.
    for (const auto& [param, i] : updates) {
      PyTensor* t = value_of<PyTensor>(param.ptr());
      (t ? *t : param.cast<PyTensor&>()).value = move_outputs ? std::move(outs[i]) : outs[i];
    }
    if (result.is_none()) return py::none();  // the function returned None (it only updates state)
    return single >= 0 ? make(outs, single) : build(outs, result);
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
  // `generation`: _grad._generation[0] when the cache is made; the fast path serves it only
  // while that is still the count (a replaced Parameter drops every cache).
  explicit CallCache(long long generation) : generation_(generation) {}
  long long generation() const { return generation_; }

  // The result, or a null object when this signature has no entry (the caller compiles and adds
  // one) or has more than kMaxArgs arguments (the caller's path runs those). Not None: a function
  // that only updates Parameters returns None.
  py::object call(const py::tuple& args) const {
    int key[kMaxArgs];
    const PyTensor* ts[kMaxArgs];
    if (!key_of(args, key, ts)) return py::object();
    auto it = entries_.find(std::span<const int>(key, args.size()));
    if (it == entries_.end()) return py::object();
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
      const PyTensor* t = value_of<const PyTensor>(PyTuple_GET_ITEM(args.ptr(), i));
      if (!t || t->symbolic()) return false;
      key[i] = t->type_id;
      ts[i] = t;
    }
    return true;
  }
  long long generation_;
  std::unordered_map<std::vector<int>, std::shared_ptr<Compiled>, KeyHash, KeyEq> entries_;
};

// The base class of the compiled functions (_grad._GraphFunction), in the C API: its tp_call
// runs a cache hit, because a Python frame, or pybind11's dispatch, costs about as much as the
// whole call of a small plan; a __call__ method would cost a type lookup, a second argument
// tuple and an attribute lookup of the cache per call. The cache, `_fast`, is a slot of the
// object. Anything but a hit (keyword arguments, a replaced Parameter, a call inside a trace, a
// new signature) goes to self._call(args, kwargs), the Python path.
struct GraphCallObject {
  PyObject_HEAD
  PyObject* fast;  // a CallCache, or null before the subclass's __init__ sets it
};

PyObject* g_generation = nullptr;  // _grad._generation, [count of Parameter replacements]

PyObject* graph_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  static PyObject* const kCall = PyUnicode_InternFromString("_call");
  try {
    PyObject* fast = reinterpret_cast<GraphCallObject*>(self)->fast;
    if (fast && (!kwargs || PyDict_GET_SIZE(kwargs) == 0) && !t_tracing) {
      const CallCache* cache = value_of<const CallCache>(fast);
      if (!cache) cache = &py::handle(fast).cast<const CallCache&>();
      const long long generation = PyLong_AsLongLong(PyList_GET_ITEM(g_generation, 0));
      if (generation == -1 && PyErr_Occurred()) throw py::error_already_set();
      if (cache->generation() == generation) {
        const py::object keep = py::reinterpret_borrow<py::object>(fast);  // _call may replace self._fast
        py::object result = cache->call(py::reinterpret_borrow<py::tuple>(args));
        if (result) return result.release().ptr();
      }
    }
    PyObject* call = PyObject_GetAttr(self, kCall);
    if (!call) return nullptr;
    const py::object keywords = kwargs ? py::reinterpret_borrow<py::object>(kwargs) : py::dict();
    return py::reinterpret_steal<py::object>(call)(py::handle(args), keywords).release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();  // as pybind11's own dispatcher does
    return nullptr;
  }
}

void graph_call_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(reinterpret_cast<GraphCallObject*>(self)->fast);
  type->tp_free(self);
  Py_DECREF(type);  // (a heap type)
}

PyMemberDef kGraphCallMembers[] = {
    {"_fast", T_OBJECT_EX, offsetof(GraphCallObject, fast), 0, "all-tensor signatures, looked up in C++"},
    {nullptr, 0, 0, 0, nullptr}};
PyType_Slot kGraphCallSlots[] = {
    {Py_tp_call, reinterpret_cast<void*>(graph_call)},
    {Py_tp_dealloc, reinterpret_cast<void*>(graph_call_dealloc)},
    {Py_tp_members, kGraphCallMembers},
    {Py_tp_new, reinterpret_cast<void*>(PyType_GenericNew)},
    {Py_tp_doc, const_cast<char*>("Runs the compiled function (compiling it for a new signature).")},
    {0, nullptr}};
PyType_Spec kGraphCallSpec = {"graphgrad._core.GraphCall", sizeof(GraphCallObject), 0,
                              Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, kGraphCallSlots};
}  // namespace

void bind_call_path(py::module_& m) {
  py::class_<Compiled, std::shared_ptr<Compiled>>(m, "Compiled")
      .def(py::init([](std::shared_ptr<Plan> plan, std::vector<int> positions, std::vector<py::object> captured,
                       py::object result, std::vector<std::pair<py::object, int>> updates) {
             std::vector<int> ids;
             for (int out : plan->graph().outputs) ids.push_back(intern_type(plan->graph().type(out)));
             auto c = std::make_shared<Compiled>(Compiled{std::move(plan), std::move(positions), std::move(captured),
                                                          std::move(result), std::move(ids), std::move(updates)});
             c->init();
             return c;
           }),
           py::arg("plan"), py::arg("arg_positions"), py::arg("captured"), py::arg("result"),
           py::arg("updates") = std::vector<std::pair<py::object, int>>{})
      .def("__call__", &Compiled::operator())
      .def_property_readonly("plan", [](const Compiled& c) { return c.plan; });

  py::class_<CallCache>(m, "CallCache")
      .def(py::init<long long>(), py::arg("generation"))
      .def("add", &CallCache::add)
      .def("__len__", &CallCache::size);

  PyObject* graph_call_type = PyType_FromSpec(&kGraphCallSpec);
  if (!graph_call_type) throw py::error_already_set();
  m.add_object("GraphCall", py::reinterpret_steal<py::object>(graph_call_type));
  m.def("set_generation", [](py::list generation) {
    g_generation = generation.release().ptr();  // kept for the process
  });
  m.def("set_tracing", [](bool on) { t_tracing = on; }, "Whether this thread is tracing (_trace.tracing calls it).");
}

}  // namespace gg::pyapi
