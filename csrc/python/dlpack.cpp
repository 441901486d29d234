// Zero-copy exchange with numpy, PyTorch, JAX, ...: DLPack capsules both ways, and numpy arrays
// adopted as tensor storage (Tensor.from_numpy). graphgrad never writes a tensor's storage, so an
// exported capsule is marked read-only, and adopted memory is only ever read.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "python/py_tensor.h"

namespace gg::pyapi {

namespace {

// The DLPack ABI (dlpack.h, v1.0), the parts we use. Declared here: it is a stable C ABI and
// the header is not packaged anywhere we can rely on.
enum : int32_t { kDLCPU = 1 };
enum : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBool = 6 };
struct DLDevice { int32_t device_type, device_id; };
struct DLDataType { uint8_t code, bits; uint16_t lanes; };
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means C-contiguous
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion { uint32_t major, minor; };
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};
constexpr uint64_t kReadOnly = 1, kIsCopied = 2;

// One row per dtype: the only place the exchange formats' codes are spelled out.
struct DTypeRow {
  DType dtype;
  uint8_t dl_code, bits;
  char np_char;
};
constexpr DTypeRow kDTypes[] = {
    {DType::F32, kDLFloat, 32, 'f'},
    {DType::F64, kDLFloat, 64, 'd'},
    {DType::F16, kDLFloat, 16, 'e'},
    {DType::I32, kDLInt, 32, 'i'},
    {DType::I64, kDLInt, 64, 'q'},
    {DType::Bool, kDLBool, 8, '?'},
};

const DTypeRow& row_of(DType d) {
  for (const DTypeRow& r : kDTypes)
    if (r.dtype == d) return r;
  throw py::type_error("this dtype has no DLPack/numpy mapping yet");
}

const DTypeRow* row_of(const DLDataType& t) {
  for (const DTypeRow& r : kDTypes)
    if (r.dl_code == t.code && r.bits == t.bits && t.lanes == 1) return &r;
  return nullptr;
}

std::string supported_dtypes() {
  std::string s;
  for (const DTypeRow& r : kDTypes) s += std::string(s.empty() ? "" : ", ") + dtype_short(r.dtype);
  return s;
}

// Keeps the exported tensor's storage alive for as long as the consumer holds it.
struct Export {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
};

template <class Managed>
void delete_export(Managed* m) {
  delete static_cast<Export*>(m->manager_ctx);
  delete m;
}

template <class Managed>
void fill(Managed* m, Export* e) {
  const Tensor& t = e->tensor;
  e->shape = t.type.shape;
  e->strides.assign(e->shape.size(), 1);
  for (size_t i = e->shape.size(); i-- > 1;) e->strides[i - 1] = e->strides[i] * e->shape[i];
  const DTypeRow& r = row_of(t.type.dtype);
  m->dl_tensor = DLTensor{t.ptr(), {kDLCPU, 0}, static_cast<int32_t>(e->shape.size()), {r.dl_code, r.bits, 1},
                          e->shape.data(), e->strides.data(), 0};
  m->manager_ctx = e;
  m->deleter = &delete_export<Managed>;
}

// A capsule the consumer never took is freed with it; one it took ("used_...") is the consumer's.
template <class Managed>
void capsule_destructor(PyObject* capsule) {
  const char* name = std::is_same_v<Managed, DLManagedTensor> ? "dltensor" : "dltensor_versioned";
  if (!PyCapsule_IsValid(capsule, name)) return;
  auto* m = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
  if (m && m->deleter) m->deleter(m);
}

py::capsule to_dlpack(const PyTensor& t, bool versioned, bool copy) {
  if (t.symbolic()) throw py::type_error("__dlpack__: a traced tensor has no data yet");
  auto* e = new Export{t.value, {}, {}};
  if (copy) {  // the consumer asked for memory of its own, which it may write
    e->tensor = Tensor::empty(t.value.type);
    if (t.value.type.bytes()) std::memcpy(e->tensor.ptr(), t.value.ptr(), t.value.type.bytes());
  }
  if (!versioned) {  // old consumers: no read-only flag to set, so they must not write
    auto* m = new DLManagedTensor{};
    fill(m, e);
    return py::capsule(m, "dltensor", &capsule_destructor<DLManagedTensor>);
  }
  auto* m = new DLManagedTensorVersioned{};
  m->version = {1, 0};
  m->flags = copy ? kIsCopied : kReadOnly;
  fill(m, e);
  return py::capsule(m, "dltensor_versioned", &capsule_destructor<DLManagedTensorVersioned>);
}

// Runs a release that may touch Python objects (a numpy array, a producer's deleter) with the
// GIL held, from whichever thread drops the last reference; at interpreter exit it leaks.
template <class F>
std::shared_ptr<void> owner(F release) {
  return std::shared_ptr<void>(nullptr, [release](void*) {
    if (!Py_IsInitialized()) return;
    PyGILState_STATE s = PyGILState_Ensure();
    release();
    PyGILState_Release(s);
  });
}

// Whether shape/strides (in elements) describe a C-contiguous layout. Size-1 and empty
// dimensions may carry any stride.
bool c_contiguous(const std::vector<int64_t>& shape, const int64_t* strides) {
  if (!strides) return true;
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return true;
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

// A tensor over a DLPack capsule's memory, or None when it cannot be used without a copy
// (strided, misaligned, empty); the caller then copies through numpy.
py::object from_dlpack(py::capsule capsule) {
  const bool versioned = PyCapsule_IsValid(capsule.ptr(), "dltensor_versioned");
  if (!versioned && !PyCapsule_IsValid(capsule.ptr(), "dltensor"))
    throw py::type_error("from_dlpack: expected a DLPack capsule (\"dltensor\"), or an object with __dlpack__");
  void* managed = PyCapsule_GetPointer(capsule.ptr(), versioned ? "dltensor_versioned" : "dltensor");
  const DLTensor& dl = versioned ? static_cast<DLManagedTensorVersioned*>(managed)->dl_tensor
                                 : static_cast<DLManagedTensor*>(managed)->dl_tensor;
  if (versioned && static_cast<DLManagedTensorVersioned*>(managed)->version.major > 1)
    throw py::buffer_error("from_dlpack: DLPack version " +
                           std::to_string(static_cast<DLManagedTensorVersioned*>(managed)->version.major) +
                           " is newer than graphgrad understands (1)");
  if (dl.device.device_type != kDLCPU)
    throw py::buffer_error("from_dlpack: graphgrad runs on the CPU; move the tensor there first (e.g. .cpu())");
  const DTypeRow* r = row_of(dl.dtype);
  if (!r)
    throw py::type_error("from_dlpack: dtype (code " + std::to_string(dl.dtype.code) + ", " +
                         std::to_string(dl.dtype.bits) + " bits) is not supported; graphgrad has " +
                         supported_dtypes());
  const Type type{r->dtype, Shape(dl.shape, dl.shape + dl.ndim)};
  char* data = static_cast<char*>(dl.data) + dl.byte_offset;
  const size_t item = dtype_size(r->dtype);
  if (!c_contiguous(type.shape, dl.strides) || reinterpret_cast<uintptr_t>(data) % item || type.bytes() == 0)
    return py::none();

  // Take ownership: the capsule is renamed so the producer's capsule destructor leaves it to us.
  PyCapsule_SetName(capsule.ptr(), versioned ? "used_dltensor_versioned" : "used_dltensor");
  std::shared_ptr<void> keep =
      versioned ? owner([m = static_cast<DLManagedTensorVersioned*>(managed)] { if (m->deleter) m->deleter(m); })
                : owner([m = static_cast<DLManagedTensor*>(managed)] { if (m->deleter) m->deleter(m); });
  Tensor t{type, std::make_shared<Storage>(data, type.bytes(), std::move(keep))};
  return py::cast(concrete(std::move(t)));
}

// Tensor.from_numpy: the array's memory as the tensor's storage, or None when the array's
// dtype, layout or alignment needs a copy (the caller makes one).
py::object from_numpy(py::array a) {
  const DTypeRow* r = nullptr;
  for (const DTypeRow& row : kDTypes)
    if (a.dtype().equal(py::dtype(std::string(1, row.np_char)))) r = &row;
  const bool direct = (a.flags() & py::array::c_style) && (a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_);
  if (!r || !direct || a.nbytes() == 0) return py::none();
  const Type type{r->dtype, Shape(a.shape(), a.shape() + a.ndim())};
  auto* base = new py::object(a);
  Tensor t{type, std::make_shared<Storage>(const_cast<void*>(a.data()), type.bytes(), owner([base] { delete base; }))};
  return py::cast(concrete(std::move(t)));
}

}  // namespace

void bind_dlpack(py::module_& m) {
  m.def("_to_dlpack", &to_dlpack, py::arg("tensor"), py::arg("versioned"), py::arg("copy"));
  m.def("_from_dlpack", &from_dlpack);
  m.def("_from_numpy", &from_numpy);
  m.def("_shares_memory", [](const PyTensor& a, const PyTensor& b) {  // tests: zero-copy really is
    return !a.symbolic() && !b.symbolic() && a.value.storage == b.value.storage;
  });
  m.def("_data_ptr", [](const PyTensor& t) {
    return t.symbolic() ? uintptr_t{0} : reinterpret_cast<uintptr_t>(t.value.ptr());
  });
}

}  // namespace gg::pyapi
