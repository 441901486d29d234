// The Python-visible tensor (graphgrad.Tensor is this class, with methods added in Python) and
// the call path's pieces shared by the binding files.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

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

int intern_type(const Type& t);  // a small integer per distinct type, stable for the process
PyTensor concrete(Tensor t);     // a concrete PyTensor with its type interned
py::dtype numpy_dtype(DType d);
py::object new_tensor(PyTensor&& t);  // a new graphgrad.Tensor object holding t
void install_tensor_dealloc();         // once, after the Tensor class is bound

void bind_call_path(py::module_& m);  // call.cpp
void bind_dlpack(py::module_& m);     // dlpack.cpp
void bind_profile(py::module_& m);    // profile_bindings.cpp
void bind_config(py::module_& m);     // config.cpp
void bind_comm(py::module_& m);       // comm_bindings.cpp

}  // namespace gg::pyapi
