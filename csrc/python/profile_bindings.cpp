// The profiler's switch and its records, as plain Python data (graphgrad/profiler.py reports).
#include <pybind11/stl.h>

#include "python/py_tensor.h"
#include "runtime/profile.h"

namespace gg::pyapi {

void bind_profile(py::module_& m) {
  m.def("_profile_start", &profile::start, py::arg("last_n"));
  m.def("_profile_stop", &profile::stop);
  m.def("_profile_reset", &profile::reset);
  m.def("_profile_enabled", &profile::enabled);
  m.def("_profile_snapshot", [] {
    py::list plans;
    for (const profile::PlanRecord& p : profile::snapshot()) {
      py::list steps, calls;
      for (const profile::StepRecord& s : p.steps)
        steps.append(py::dict(py::arg("node") = s.node, py::arg("value") = s.value, py::arg("op") = s.op,
                              py::arg("bytes") = s.bytes, py::arg("flops") = s.flops));
      for (const profile::CallRecord& c : p.last)
        calls.append(py::dict(py::arg("start_ns") = c.start_ns, py::arg("thread") = c.thread,
                              py::arg("step_ns") = c.step_ns));
      plans.append(py::dict(py::arg("name") = p.name, py::arg("text") = p.text, py::arg("calls") = p.calls,
                            py::arg("steps") = steps, py::arg("last") = calls));
    }
    return plans;
  });
}

}  // namespace gg::pyapi
