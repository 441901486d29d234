// pybind11 bindings: conversions and bindings only, no logic.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "ir/graph.h"
#include "kernels/cpu.h"
#include "ops/op.h"
#include "passes/autodiff.h"
#include "passes/passes.h"
#include "python/py_tensor.h"
#include "runtime/plan.h"
#include "runtime/thread_pool.h"

namespace gg::pyapi {

int intern_type(const Type& t) {
  struct Hash {
    size_t operator()(const Type& t) const {
      size_t h = static_cast<size_t>(t.dtype);
      for (int64_t d : t.shape) h = h * 1000003u ^ static_cast<size_t>(d);
      return h;
    }
  };
  static std::mutex mutex;
  static std::unordered_map<Type, int, Hash> ids;
  std::lock_guard<std::mutex> lock(mutex);
  return ids.emplace(t, static_cast<int>(ids.size())).first->second;
}

PyTensor concrete(Tensor t) {
  PyTensor p;
  p.type_id = intern_type(t.type);
  p.value = std::move(t);
  return p;
}

// numpy's name for each DType, in DType code order.
static constexpr const char* kNumpyNames[kNumDTypes] = {"float32", "float64", "float16", "int32", "int64", "bool"};

py::dtype numpy_dtype(DType d) { return py::dtype(kNumpyNames[static_cast<int>(d)]); }

// As pybind11's cast of a PyTensor&& makes the object (make_new_instance, then init_instance's
// value pointer and holder), but without entering the value pointer in pybind11's registry of
// instances: that registry lets a cast of the same C++ pointer find the object again, which
// nothing does for a fresh result (Tensors are returned by value), and its hash-map insert and
// erase (with a node allocation) cost a sixth of a small compiled call. pybind11's dealloc skips
// the erase for an instance not marked registered.
py::object new_tensor(PyTensor&& t) {
  using Holder = py::class_<PyTensor>::holder_type;
  static_assert(std::is_same_v<Holder, std::unique_ptr<PyTensor>>);
  static const py::detail::type_info* const tinfo = py::detail::get_type_info(typeid(PyTensor));
  PyObject* o = tinfo->type->tp_alloc(tinfo->type, 0);
  if (!o) throw py::error_already_set();
  py::object obj = py::reinterpret_steal<py::object>(o);
  auto* inst = reinterpret_cast<py::detail::instance*>(o);
  // allocate_layout looks the type's pybind11 bases up in a hash map each time. The class's
  // layout never changes: once one object has the simple one (value pointer and holder inline,
  // the flags all false as tp_alloc's zeroed memory has them), the rest get it directly.
  static bool simple = false;  // (written with the GIL held)
  if (simple) {
    inst->simple_layout = true;
  } else {
    inst->allocate_layout();
    simple = inst->simple_layout;
  }
  py::detail::value_and_holder v_h = inst->get_value_and_holder(tinfo);
  auto* p = new PyTensor(std::move(t));
  v_h.value_ptr() = p;
  new (std::addressof(v_h.holder<Holder>())) Holder(p);
  v_h.set_holder_constructed();
  inst->owned = true;
  return obj;
}

namespace {
destructor g_pybind11_dealloc = nullptr;  // the Tensor type's own tp_dealloc (pybind11's)

// The Tensor type's tp_dealloc. An object new_tensor made, holding a concrete tensor, is freed
// here directly: pybind11's dealloc would find the type's record in its internals (a hash
// lookup), save and restore the Python error state around the C++ destructor (which here runs
// no Python code: no trace object) and look for weak references, patients and a dict (none).
// Anything else, subclasses included, goes to pybind11's.
void tensor_dealloc(PyObject* self) {
  static PyTypeObject* const type = py::detail::get_type_info(typeid(PyTensor))->type;
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  if (Py_TYPE(self) == type && inst->simple_layout && inst->simple_holder_constructed &&
      !inst->simple_instance_registered && !inst->has_patients && !inst->weakrefs) {
    using Holder = py::class_<PyTensor>::holder_type;
    auto& holder = *reinterpret_cast<Holder*>(&inst->simple_value_holder[1]);
    if (holder && !holder->trace) {
      holder.~Holder();
      type->tp_free(self);
      Py_DECREF(type);
      return;
    }
  }
  g_pybind11_dealloc(self);
}
}  // namespace

void install_tensor_dealloc() {
  PyTypeObject* type = py::detail::get_type_info(typeid(PyTensor))->type;
  // Only for the layout tensor_dealloc knows: no GC, no __dict__ (no py::dynamic_attr).
  if (PyType_HasFeature(type, Py_TPFLAGS_HAVE_GC) || type->tp_dictoffset) return;
  g_pybind11_dealloc = type->tp_dealloc;
  type->tp_dealloc = tensor_dealloc;
}

static AttrValue to_attr(const py::handle& v) {
  if (py::isinstance<py::bool_>(v) || py::isinstance<py::int_>(v)) return v.cast<int64_t>();
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  return v.cast<std::vector<int64_t>>();
}

Attrs to_attrs(const py::dict& d) {
  Attrs a;
  for (auto [k, v] : d) a[k.cast<std::string>()] = to_attr(v);
  return a;
}

}  // namespace gg::pyapi

namespace py = pybind11;
using namespace gg;
using gg::pyapi::PyTensor;
using gg::pyapi::numpy_dtype;
using gg::pyapi::to_attrs;

namespace {

py::object g_converter;  // graphgrad._tensor.convert: user data -> C-contiguous float array or Tensor


Tensor from_numpy(const py::array& a) {
  int code = -1;
  for (int c = 0; c < kNumDTypes; ++c)
    if (a.dtype().equal(numpy_dtype(static_cast<DType>(c)))) code = c;
  if (code < 0) throw py::type_error("unsupported array dtype " + std::string(py::str(a.dtype())));
  const DType d = static_cast<DType>(code);
  if (!(a.flags() & py::array::c_style)) throw py::value_error("array must be C-contiguous");
  Tensor t = Tensor::empty(Type{d, Shape(a.shape(), a.shape() + a.ndim())});
  if (t.type.bytes()) std::memcpy(t.ptr(), a.data(), t.type.bytes());
  return t;
}

PyTensor make_tensor(const py::object& data, const py::object& dtype) {
  py::object converted = g_converter(data, dtype);
  if (py::isinstance<PyTensor>(converted)) {  // already a tensor of that dtype: share its storage
    const PyTensor& t = converted.cast<const PyTensor&>();
    return pyapi::concrete(t.value);
  }
  return pyapi::concrete(from_numpy(converted.cast<py::array>()));
}

const PyTensor& concrete_arg(const py::handle& h, const char* what) {
  const PyTensor& t = h.cast<const PyTensor&>();
  if (t.symbolic()) throw py::type_error(std::string(what) + ": got a traced tensor");
  return t;
}

// A read-only numpy view of the storage; the tensor object stays alive as its base.
py::array numpy_view(const py::object& self) {
  const Tensor& t = concrete_arg(self, "numpy view").value;
  std::vector<py::ssize_t> strides(t.type.shape.size());
  py::ssize_t stride = static_cast<py::ssize_t>(dtype_size(t.type.dtype));
  for (size_t i = strides.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= static_cast<py::ssize_t>(t.type.shape[i]);
  }
  py::array view(numpy_dtype(t.type.dtype), t.type.shape, strides, t.ptr(), self);
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

py::tuple shape_tuple(const Shape& s) { return py::cast(s); }

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "graphgrad's C++ core: IR, gradient pass, passes, executor and kernels";
  py::register_exception<ShapeError>(m, "ShapeError", PyExc_ValueError);
  py::register_exception<DTypeError>(m, "DTypeError", PyExc_TypeError);
  py::register_exception<AllocError>(m, "AllocError", PyExc_MemoryError);

  m.def("_set_converter", [](py::object f) { g_converter = std::move(f); });
  // The converter must not outlive the interpreter.
  m.add_object("_cleanup", py::capsule([] { g_converter = py::object(); }));

  py::class_<PyTensor>(m, "Tensor")
      .def(py::init(&make_tensor), py::arg("input_data") = py::none(), py::arg("dtype") = py::none())
      .def_static("_symbolic", [](py::object trace, int node, int dtype, const Shape& shape) {
        PyTensor t;
        t.value.type = Type{static_cast<DType>(dtype), shape};
        t.trace = std::move(trace);
        t.node = node;
        return t;
      })
      .def_property_readonly("shape", [](const PyTensor& t) { return shape_tuple(t.value.type.shape); })
      .def_property_readonly("ndim", [](const PyTensor& t) { return t.value.type.ndim(); })
      .def_property_readonly("size", [](const PyTensor& t) { return t.value.type.numel(); })
      .def_property_readonly("_dtype_code", [](const PyTensor& t) { return static_cast<int>(t.value.type.dtype); })
      .def_property_readonly("_symbolic_", &PyTensor::symbolic)
      .def_property_readonly("_trace", [](const PyTensor& t) { return t.trace; })
      .def_property_readonly("_node", [](const PyTensor& t) { return t.node; })
      .def("_numpy", &numpy_view)
      .def("_assign", [](PyTensor& self, const PyTensor& other) {  // Parameter.set_data, after its checks
        self.value = concrete_arg(py::cast(other), "set_data").value;
        self.type_id = other.type_id;
      });

  gg::pyapi::install_tensor_dealloc();

  py::class_<Graph>(m, "Graph")
      .def(py::init([](std::string name) { Graph g; g.name = std::move(name); return g; }), py::arg("name") = "")
      .def_readwrite("name", &Graph::name)
      .def_readwrite("outputs", &Graph::outputs)
      .def_readonly("inputs", &Graph::inputs)
      .def("add_input", [](Graph& g, int dtype, const Shape& shape, const std::string& name, const std::string& kind) {
        return g.add_input(Type{static_cast<DType>(dtype), shape}, name, kind);
      })
      .def("add", [](Graph& g, const std::string& op, std::vector<int> inputs, const py::dict& attrs,
                     std::string loc) { return g.add(op, std::move(inputs), to_attrs(attrs), std::move(loc)); },
           py::arg("op"), py::arg("inputs"), py::arg("attrs") = py::dict(), py::arg("loc") = "")
      .def("dtype", [](const Graph& g, int id) { return static_cast<int>(g.type(id).dtype); })
      .def("shape", [](const Graph& g, int id) { return shape_tuple(g.type(id).shape); })
      .def("node", [](const Graph& g, int id) {  // (op, inputs, attrs, dtype code, shape): for exporters
        const Node& n = g.nodes.at(id);
        return py::make_tuple(n.op->name, n.inputs, n.attrs, static_cast<int>(n.type.dtype), shape_tuple(n.type.shape));
      })
      .def("__len__", [](const Graph& g) { return g.nodes.size(); })
      .def("__str__", [](const Graph& g) { return to_text(g); })
      .def("to_dot", &to_dot)
      .def("verify", &verify);

  m.def("autodiff", &autodiff, py::arg("graph"), py::arg("wrt"), py::arg("n_diff"), py::arg("seeds") = std::vector<int>{});
  m.def("inline_into", &inline_into, py::arg("dst"), py::arg("src"), py::arg("inputs"));
  m.def("optimize", [](const Graph& g, bool check) {
    std::vector<std::pair<std::string, Graph>> out;
    for (Stage& s : optimize(g, check)) out.emplace_back(std::move(s.name), std::move(s.graph));
    return out;
  }, py::arg("graph"), py::arg("check") = false);

  py::class_<Plan, std::shared_ptr<Plan>>(m, "Plan")
      .def(py::init<const Graph&, const std::vector<std::pair<int, int>>&>(), py::arg("graph"),
           py::arg("donations") = std::vector<std::pair<int, int>>{})
      .def("__str__", &Plan::describe)
      .def("__len__", [](const Plan& p) { return p.graph().nodes.size(); })
      .def("to_dot", [](const Plan& p) { return to_dot(p.graph()); })
      .def("verify", [](const Plan& p) { verify(p.graph()); })
      .def_property_readonly("graph", [](const Plan& p) { return p.graph(); })
      .def_property_readonly("kernel_count", &Plan::kernel_count);

  gg::pyapi::bind_call_path(m);
  gg::pyapi::bind_dlpack(m);
  gg::pyapi::bind_profile(m);
  gg::pyapi::bind_config(m);
  gg::pyapi::bind_comm(m);
  gg::pyapi::bind_eager(m);

  m.def("set_num_threads", &set_num_threads);
  m.def("get_num_threads", &get_num_threads);
  m.def("isa", [] { return std::string(kernels::isa_name(kernels::active_isa())); });
}
