// pybind11 bindings: conversions and bindings only, no logic.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "ir/graph.h"
#include "kernels/cpu.h"
#include "ops/op.h"
#include "passes/autodiff.h"
#include "passes/passes.h"
#include "runtime/plan.h"
#include "runtime/thread_pool.h"

namespace py = pybind11;
using namespace gg;

namespace {

py::dtype numpy_dtype(DType d) { return d == DType::F32 ? py::dtype::of<float>() : py::dtype::of<double>(); }

Tensor from_numpy(const py::array& a) {
  DType d;
  if (a.dtype().is(py::dtype::of<float>())) d = DType::F32;
  else if (a.dtype().is(py::dtype::of<double>())) d = DType::F64;
  else throw py::type_error("Array.from_numpy: expected a float32 or float64 array, got " + std::string(py::str(a.dtype())));
  if (!(a.flags() & py::array::c_style)) throw py::value_error("Array.from_numpy: array must be C-contiguous");
  Tensor t = Tensor::empty(Type{d, Shape(a.shape(), a.shape() + a.ndim())});
  if (t.type.bytes()) std::memcpy(t.storage->data, a.data(), t.type.bytes());
  return t;
}

// A read-only numpy view of the storage; the Array object stays alive as its base.
py::array numpy_view(py::object self) {
  const Tensor& t = self.cast<const Tensor&>();
  std::vector<py::ssize_t> strides(t.type.shape.size());
  py::ssize_t stride = static_cast<py::ssize_t>(dtype_size(t.type.dtype));
  for (size_t i = strides.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= static_cast<py::ssize_t>(t.type.shape[i]);
  }
  py::array view(numpy_dtype(t.type.dtype), t.type.shape, strides, t.storage->data, self);
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

AttrValue to_attr(const py::handle& v) {
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

py::tuple shape_tuple(const Shape& s) { return py::cast(s); }

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "graphgrad's C++ core: IR, gradient pass, executor and kernels";
  py::register_exception<ShapeError>(m, "ShapeError", PyExc_ValueError);
  py::register_exception<DTypeError>(m, "DTypeError", PyExc_TypeError);

  py::class_<Tensor>(m, "Array")
      .def_static("from_numpy", &from_numpy)
      .def_property_readonly("shape", [](const Tensor& t) { return shape_tuple(t.type.shape); })
      .def_property_readonly("dtype", [](const Tensor& t) { return static_cast<int>(t.type.dtype); })
      .def("numpy", &numpy_view)
      .def("same_storage", [](const Tensor& a, const Tensor& b) { return a.storage == b.storage; });

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
      .def("__len__", [](const Graph& g) { return g.nodes.size(); })
      .def("__str__", [](const Graph& g) { return to_text(g); })
      .def("to_dot", &to_dot)
      .def("verify", &verify);

  m.def("autodiff", &autodiff, py::arg("graph"), py::arg("wrt"), py::arg("n_diff"));

  m.def("optimize", [](const Graph& g, bool check) {
    std::vector<std::pair<std::string, Graph>> out;
    for (Stage& s : optimize(g, check)) out.emplace_back(std::move(s.name), std::move(s.graph));
    return out;
  }, py::arg("graph"), py::arg("check") = false);

  py::class_<Plan>(m, "Plan")
      .def(py::init<const Graph&>())
      .def("__str__", &Plan::describe)
      .def("__len__", [](const Plan& p) { return p.graph().nodes.size(); })
      .def("to_dot", [](const Plan& p) { return to_dot(p.graph()); })
      .def("verify", [](const Plan& p) { verify(p.graph()); })
      .def_property_readonly("graph", [](const Plan& p) { return p.graph(); })
      .def_property_readonly("arena_bytes", &Plan::arena_bytes)
      .def_property_readonly("output_bytes", &Plan::output_bytes)
      .def_property_readonly("kernel_count", &Plan::kernel_count)
      .def("run", [](const Plan& p, const std::vector<Tensor>& inputs) {
        py::gil_scoped_release unlocked;
        return p.run(inputs);
      });

  m.def("run_op", [](const std::string& op, const std::vector<Tensor>& inputs, const py::dict& attrs) {
    const OpDef& def = op_def(op);
    const Attrs a = to_attrs(attrs);
    py::gil_scoped_release unlocked;
    return run_op(def, inputs, a);
  });

  m.def("set_num_threads", &set_num_threads);
  m.def("get_num_threads", &get_num_threads);
  m.def("isa", [] { return std::string(kernels::isa_name(kernels::active_isa())); });
}
