// The communication backend seen from C++ is a Python object (graphgrad.communication's, over
// mpi4py) with start(kind, op, root, name, data, work) -> handle, wait(handle) and progress().
// Kernels run with the GIL released: each call takes it back for its duration.
#include <pybind11/numpy.h>

#include "python/py_tensor.h"
#include "runtime/comm.h"

namespace gg::pyapi {

namespace {

// A numpy array over memory the executor owns for the collective's duration (no copy, no owner).
py::array view(const void* data, const Type& t) {
  return py::array(numpy_dtype(t.dtype), t.shape, {}, data, py::capsule(data, [](void*) {}));
}

class PyBackend : public comm::Backend {
 public:
  explicit PyBackend(py::object obj) : obj_(std::move(obj)) {}
  ~PyBackend() override {
    py::gil_scoped_acquire gil;
    obj_ = py::object();
  }
  int64_t start(const comm::Collective& c, const void* in, const Type& in_type, void* work,
                const Type& work_type) override {
    py::gil_scoped_acquire gil;
    return obj_.attr("start")(c.kind, c.op, c.root, c.name, view(in, in_type), view(work, work_type)).cast<int64_t>();
  }
  void wait(int64_t handle) override {
    py::gil_scoped_acquire gil;
    obj_.attr("wait")(handle);
  }
  void progress() override {
    py::gil_scoped_acquire gil;
    obj_.attr("progress")();
  }

 private:
  py::object obj_;
};

}  // namespace

void bind_comm(py::module_& m) {
  m.def("_set_comm_backend", [](py::object backend) {
    auto b = backend.is_none() ? nullptr : std::make_shared<PyBackend>(std::move(backend));
    py::gil_scoped_release unlocked;  // the progress thread may be waiting for the GIL to finish
    comm::set_backend(std::move(b));
  });
}

}  // namespace gg::pyapi
