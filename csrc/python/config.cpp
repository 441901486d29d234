// What `python -m graphgrad` reports about this build: baked in by CMake (see CMakeLists.txt),
// plus what the kernels chose on this CPU at run time.
#include <pybind11/stl.h>

#include "kernels/cpu.h"
#include "kernels/matmul.h"
#include "python/py_tensor.h"

#ifndef GRAPHGRAD_COMPILER
#define GRAPHGRAD_COMPILER "unknown"
#endif
#ifndef GRAPHGRAD_CXX_FLAGS
#define GRAPHGRAD_CXX_FLAGS ""
#endif
#ifndef GRAPHGRAD_BUILD_TYPE
#define GRAPHGRAD_BUILD_TYPE ""
#endif
#ifndef GRAPHGRAD_SANITIZE
#define GRAPHGRAD_SANITIZE 0
#endif

namespace gg::pyapi {

void bind_config(py::module_& m) {
  m.def("_build_info", [] {
    return py::dict(py::arg("compiler") = GRAPHGRAD_COMPILER, py::arg("cxx_flags") = GRAPHGRAD_CXX_FLAGS,
                    py::arg("build_type") = GRAPHGRAD_BUILD_TYPE, py::arg("sanitize") = bool(GRAPHGRAD_SANITIZE),
                    py::arg("cxx_standard") = __cplusplus,
                    py::arg("pybind11") = std::to_string(PYBIND11_VERSION_MAJOR) + "." +
                                          std::to_string(PYBIND11_VERSION_MINOR) + "." +
                                          std::to_string(PYBIND11_VERSION_PATCH),
                    py::arg("best_isa") = kernels::isa_name(kernels::best_isa()),
                    py::arg("fold_broadcasts") = kernels::fold_broadcasts());
  });
}

}  // namespace gg::pyapi
