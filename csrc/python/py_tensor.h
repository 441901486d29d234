// The Python-visible tensor (graphgrad.Tensor is this class, with methods added in Python) and
// the call path's pieces shared by the binding files.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "ir/graph.h"
#include "runtime/tensor.h"

namespace gg::pyapi {

namespace py = pybind11;

struct PyTensor {
  Tensor value;      // a symbolic tensor has a type and no storage
  py::object trace;  // a symbolic tensor's Trace (None when concrete)
  int node = -1;     // a symbolic tensor's value in that trace's graph
  int type_id = -1;  // value.type interned: the call path's signature key

  bool symbolic() const { return !value.storage; }
};

// The T inside the pybind11 object `o` (of T's class or a Python subclass of it), or nullptr when
// `o` is anything else. pybind11's isinstance and cast find the class by typeid in a registry on
// every call, which cost a fifth of a small compiled call; this compares Python types (the class
// is looked up once) and reads the value pointer where pybind11 keeps it for a class with one C++
// base (its "simple layout"; any other layout gets nullptr, and the caller's slow path).
template <class T>
T* value_of(PyObject* o) {
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(py::type::of<T>().ptr());
  if (!PyObject_TypeCheck(o, type)) return nullptr;
  auto* inst = reinterpret_cast<py::detail::instance*>(o);
  return inst->simple_layout ? static_cast<T*>(inst->get_value_and_holder().value_ptr()) : nullptr;
}

// This thread is tracing (_trace.tracing sets it beside _trace._local.trace, which Python reads):
// one thread-local read on the fast paths instead of an attribute of a threading.local.
extern thread_local bool t_tracing;

int intern_type(const Type& t);  // a small integer per distinct type, stable for the process
PyTensor concrete(Tensor t);     // a concrete PyTensor with its type interned
py::dtype numpy_dtype(DType d);
Attrs to_attrs(const py::dict& d);    // an op's attributes from Python (ints, floats, strs, int lists)
py::object new_tensor(PyTensor&& t);  // a new graphgrad.Tensor object holding t
void install_tensor_dealloc();         // once, after the Tensor class is bound

void bind_call_path(py::module_& m);  // call.cpp
void bind_dlpack(py::module_& m);     // dlpack.cpp
void bind_profile(py::module_& m);    // profile_bindings.cpp
void bind_config(py::module_& m);     // config.cpp
void bind_comm(py::module_& m);       // comm_bindings.cpp
void bind_eager(py::module_& m);      // eager.cpp

}  // namespace gg::pyapi
