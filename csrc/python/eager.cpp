// Eager ops (outside a trace), in C++. `a + b` went through five Python frames (the operator,
// the public op, binary, apply, run_op's binding) and inferred and compiled its kernel each time:
// 2.2-3.5 us for a 4x4 add against torch's 1.2-1.8.
// - An EagerOp is an op's public function itself (ops.add, and Tensor.__add__ is the same
//   object): when every operand is a concrete Tensor of a dtype the op takes here (one may be a
//   Python number), it runs the op's kernel, compiled once per signature, and returns the new
//   Tensor. Anything else (a trace, a dtype to promote, bad input) goes to `fallback`, the Python
//   path, which does what it always did, its errors located at the user's line: this path takes
//   only calls that path would run with run_op unchanged, so both give the same bits.
// - run_op, what the Python path ends in for every op, infers and compiles each (op, input
//   types, attributes) once too.
#include <pybind11/stl.h>
#include <structmember.h>

#include <memory>
#include <span>
#include <unordered_map>

#include "ops/op.h"
#include "python/py_tensor.h"
#include "runtime/plan.h"

namespace gg::pyapi {

namespace {

// What an operand of the fast path is: a concrete Tensor, or a Python number made a 0-d tensor
// of the other operand's dtype (MindSpore's weak typing: it takes the tensor's dtype).
struct Operand {
  const Tensor* tensor = nullptr;
  int type_id = -1;
  Tensor scalar;  // when a number
};

// A 0-d tensor of `dtype` holding `o`, a Python int or float, when the Python path would make the
// same one (_base.scalar: fill's cast from double): a float into a float dtype, an int up to 2**31
// into any numeric dtype. False for anything else (bool, numpy scalars, other objects).
bool number_operand(PyObject* o, DType dtype, Operand& out) {
  if (dtype == DType::Bool) return false;
  const bool is_float = dtype == DType::F32 || dtype == DType::F64 || dtype == DType::F16;
  double value;
  if (PyFloat_CheckExact(o)) {
    if (!is_float) return false;  // int tensor and float: promoted to float32 (the Python path)
    value = PyFloat_AS_DOUBLE(o);
  } else if (PyLong_CheckExact(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || v > INT32_MAX || v < -INT32_MAX || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
    value = static_cast<double>(v);
  } else {
    return false;
  }
  static int ids[kNumDTypes] = {-1, -1, -1, -1, -1, -1};
  const int code = static_cast<int>(dtype);
  if (ids[code] < 0) ids[code] = intern_type(Type{dtype, {}});
  out.type_id = ids[code];
  out.scalar = Tensor::empty(Type{dtype, {}});
  dispatch_all(dtype, "scalar", [&](auto t) { *out.scalar.data<decltype(t)>() = static_cast<decltype(t)>(value); });
  out.tensor = &out.scalar;
  return true;
}

// kernel(inputs) into out. A large one runs with the GIL released (other Python threads go on),
// the inputs' storage and the kernel held by copies (another thread may replace a Parameter's
// value or clear a cache meanwhile).
void run_kernel(const Kernel& kernel, std::span<const Tensor* const> inputs, const Tensor& out) {
  std::vector<const void*> args;
  for (const Tensor* t : inputs) args.push_back(t->ptr());
  if (out.type.bytes() < (64 << 10)) return kernel(args.data(), out.ptr());
  std::vector<Tensor> keep;
  for (const Tensor* t : inputs) keep.push_back(*t);
  const Kernel copy = kernel;
  py::gil_scoped_release unlocked;
  copy(args.data(), out.ptr());
}

struct Signature {
  Type out;
  int out_type_id;
  Kernel kernel;
};

// One op's eager form. Its kernels are compiled once per signature (the operands' interned
// types): an elementwise kernel depends on the types alone.
struct Eager {
  const OpDef* op;
  int arity;          // 1 or 2 operands
  unsigned dtypes;    // bit (1 << DType code) for each dtype this path takes
  bool numbers;       // an operand may be a Python int or float
  bool reflected;     // called as (self, other) to compute op(other, self): __radd__
  py::object fallback;
  std::unordered_map<uint64_t, Signature> compiled;

  // The result, or a null object when the Python path must take the call.
  py::object run(PyObject* const* args) {
    PyObject* first = args[0];
    PyObject* second = arity == 2 ? args[1] : nullptr;
    if (reflected) std::swap(first, second);
    Operand ops[2];
    int n = 0;
    const PyTensor* t = nullptr;
    for (PyObject* o : {first, second}) {
      if (n == arity) break;
      const PyTensor* p = value_of<const PyTensor>(o);
      if (p && !p->symbolic()) {
        ops[n].tensor = &p->value;
        ops[n].type_id = p->type_id;
        if (!t) t = p;
      } else if (p || !numbers) {
        return py::object();
      }
      ++n;
    }
    if (!t) return py::object();  // two numbers
    const DType dtype = t->value.type.dtype;
    if (!(dtypes >> static_cast<int>(dtype) & 1u)) return py::object();
    for (int i = 0; i < arity; ++i) {
      if (ops[i].tensor ? ops[i].tensor->type.dtype != dtype : !number_operand(i ? second : first, dtype, ops[i]))
        return py::object();  // two dtypes: the Python path promotes
    }
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(ops[0].type_id)) << 32) |
                         static_cast<uint32_t>(arity == 2 ? ops[1].type_id : 0);
    auto it = compiled.find(key);
    if (it == compiled.end()) {
      std::vector<const Type*> types;
      for (int i = 0; i < arity; ++i) types.push_back(&ops[i].tensor->type);
      Type out = op->infer(types, {});  // throws for shapes that do not broadcast: the Python path reports it
      Kernel kernel = op->compile(types, out, {});
      if (compiled.size() >= 1024) compiled.clear();  // a bound on a program that makes ever new shapes
      const int id = intern_type(out);
      it = compiled.emplace(key, Signature{std::move(out), id, std::move(kernel)}).first;
    }
    const Signature& c = it->second;
    PyTensor result;
    result.value = Tensor::empty(c.out);
    result.type_id = c.out_type_id;
    const Tensor* in[2] = {ops[0].tensor, ops[1].tensor};
    run_kernel(c.kernel, std::span<const Tensor* const>(in, static_cast<size_t>(arity)), result.value);
    return new_tensor(std::move(result));
  }
};

// run_op(name, inputs, attrs): any op, eagerly (ops' Python path, through _trace.apply). Each
// (op, input types, attributes) is inferred and compiled once; a stateful op (random) each call.
class OpCache {
 public:
  py::object run(const std::string& name, const py::list& inputs, const py::dict& attrs) {
    const OpDef& op = op_def(name);
    const size_t n = inputs.size();
    std::vector<const Tensor*> in(n);
    key_.assign(name);
    key_.push_back('\0');
    for (size_t i = 0; i < n; ++i) {
      PyObject* o = PyList_GET_ITEM(inputs.ptr(), i);
      const PyTensor* t = value_of<const PyTensor>(o);
      if (!t && !py::isinstance<PyTensor>(o))
        throw py::type_error(name + ": inputs must be Tensors, got " + Py_TYPE(o)->tp_name);
      if (!t) t = &py::handle(o).cast<const PyTensor&>();  // (a layout value_of does not read)
      if (t->symbolic()) throw py::type_error(name + ": got a traced tensor");
      in[i] = &t->value;
      key_.append(reinterpret_cast<const char*>(&t->type_id), sizeof(int));
    }
    if (op.stateful || !append_attrs(attrs)) return uncached(op, in, to_attrs(attrs));
    auto it = entries_.find(key_);
    if (it == entries_.end()) {
      const Attrs a = to_attrs(attrs);
      std::vector<const Type*> types;
      for (const Tensor* t : in) types.push_back(&t->type);
      Entry e{op.infer(types, a), -1, {}, 0};
      e.out_type_id = intern_type(e.out);
      if (op.alias_input < 0)
        e.kernel = op.compile(types, e.out, a);
      else if (op.view_offset)
        e.view_bytes = static_cast<size_t>(op.view_offset(a)) * dtype_size(e.out.dtype);
      if (entries_.size() >= 4096) entries_.clear();  // a bound on a program that makes ever new shapes
      it = entries_.emplace(key_, std::move(e)).first;
    }
    const Entry& e = it->second;
    PyTensor result;
    result.type_id = e.out_type_id;
    if (op.alias_input >= 0) {
      const Tensor& src = *in[op.alias_input];
      result.value = Tensor{e.out, src.storage, src.offset + e.view_bytes};
      return new_tensor(std::move(result));
    }
    result.value = Tensor::empty(e.out);
    run_kernel(e.kernel, in, result.value);
    return new_tensor(std::move(result));
  }

 private:
  struct Entry {
    Type out;
    int out_type_id;
    Kernel kernel;      // (none for an alias)
    size_t view_bytes;  // an alias's offset into its input
  };

  static py::object uncached(const OpDef& op, const std::vector<const Tensor*>& in, const Attrs& attrs) {
    std::vector<Tensor> values;
    for (const Tensor* t : in) values.push_back(*t);
    Tensor out;
    {
      py::gil_scoped_release unlocked;
      out = gg::run_op(op, values, attrs);
    }
    return new_tensor(concrete(std::move(out)));
  }

  // The attributes onto key_, or false for a value the key does not cover (to_attrs then decides).
  bool append_attrs(const py::dict& attrs) {
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(attrs.ptr(), &pos, &k, &v)) {
      Py_ssize_t size;
      const char* s = PyUnicode_Check(k) ? PyUnicode_AsUTF8AndSize(k, &size) : nullptr;
      if (!s) return false;
      key_.append(s, static_cast<size_t>(size) + 1);
      if (PyLong_Check(v)) {  // (bool too)
        const long long x = PyLong_AsLongLong(v);
        if (x == -1 && PyErr_Occurred()) return PyErr_Clear(), false;
        append('i', x);
      } else if (PyFloat_Check(v)) {
        append('f', PyFloat_AS_DOUBLE(v));
      } else if (PyUnicode_Check(v)) {
        const char* t = PyUnicode_AsUTF8AndSize(v, &size);
        if (!t) return PyErr_Clear(), false;
        key_.push_back('s');
        key_.append(t, static_cast<size_t>(size) + 1);
      } else if (PyList_Check(v) || PyTuple_Check(v)) {
        const Py_ssize_t len = PySequence_Fast_GET_SIZE(v);
        append('l', static_cast<long long>(len));
        for (Py_ssize_t i = 0; i < len; ++i) {
          PyObject* item = PySequence_Fast_ITEMS(v)[i];
          if (!PyLong_Check(item)) return false;
          const long long x = PyLong_AsLongLong(item);
          if (x == -1 && PyErr_Occurred()) return PyErr_Clear(), false;
          key_.append(reinterpret_cast<const char*>(&x), sizeof x);
        }
      } else {
        return false;
      }
    }
    return true;
  }
  template <class T>
  void append(char tag, T x) {
    key_.push_back(tag);
    key_.append(reinterpret_cast<const char*>(&x), sizeof x);
  }

  std::string key_;  // the key being built (kept: no allocation per call)
  std::unordered_map<std::string, Entry> entries_;
};

struct EagerObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  Eager* eager;
  PyObject* dict;  // __name__, __doc__, __wrapped__: functools.update_wrapper from its Python op
};

PyObject* eager_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  Eager& e = *reinterpret_cast<EagerObject*>(self)->eager;
  if (!kwnames && PyVectorcall_NARGS(nargsf) == static_cast<Py_ssize_t>(e.arity) && !t_tracing) {
    try {
      py::object result = e.run(args);
      if (result) return result.release().ptr();
    } catch (py::error_already_set&) {  // the Python path raises it again, located
    } catch (std::exception&) {
    }
    PyErr_Clear();
  }
  return PyObject_Vectorcall(e.fallback.ptr(), args, nargsf, kwnames);
}

PyTypeObject* g_eager_type = nullptr;

py::object new_eager(std::unique_ptr<Eager> e) {
  py::object obj = py::reinterpret_steal<py::object>(g_eager_type->tp_alloc(g_eager_type, 0));
  if (!obj) throw py::error_already_set();
  auto* o = reinterpret_cast<EagerObject*>(obj.ptr());
  o->vectorcall = eager_vectorcall;
  o->eager = e.release();
  return obj;
}

// As a class attribute it binds as a method does (Tensor.add); with Py_TPFLAGS_METHOD_DESCRIPTOR,
// CPython's operator slots and method calls skip the bound object and pass self first.
PyObject* eager_get(PyObject* self, PyObject* obj, PyObject*) {
  if (!obj || obj == Py_None) {
    Py_INCREF(self);
    return self;
  }
  return PyMethod_New(self, obj);
}

// op.bind(fallback, reflected): the same op with another fallback (Tensor's operators keep their
// Python methods for what C++ does not take); reflected, called as (self, other) it computes
// op(other, self), for Tensor.__radd__ and the like.
PyObject* eager_bind(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  try {
    if (nargs != 2) throw py::type_error("bind(fallback, reflected) takes 2 arguments");
    const Eager& e = *reinterpret_cast<EagerObject*>(self)->eager;
    const bool reflected = PyObject_IsTrue(args[1]);
    auto r = std::make_unique<Eager>(Eager{e.op, e.arity, e.dtypes, e.numbers, e.reflected != reflected,
                                           py::reinterpret_borrow<py::object>(args[0]), {}});
    return new_eager(std::move(r)).release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

// Pickled and deep-copied by reference, as a function is: its module's attribute of its name.
PyObject* eager_reduce(PyObject* self, PyObject*) { return PyObject_GetAttrString(self, "__qualname__"); }

PyObject* eager_repr(PyObject* self) {
  const Eager& e = *reinterpret_cast<EagerObject*>(self)->eager;
  return PyUnicode_FromFormat("<graphgrad op %s%s>", e.op->name.c_str(), e.reflected ? " (reflected)" : "");
}

void eager_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  auto* o = reinterpret_cast<EagerObject*>(self);
  delete o->eager;
  Py_CLEAR(o->dict);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef kEagerMethods[] = {
    {"bind", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(eager_bind)), METH_FASTCALL,
     "bind(fallback, reflected): the op with `fallback` taking the rest (reflected: operands swapped)."},
    {"__reduce__", eager_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};
PyMemberDef kEagerMembers[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(EagerObject, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(EagerObject, dict), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};
PyGetSetDef kEagerGetSet[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};
PyType_Slot kEagerSlots[] = {
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_descr_get, reinterpret_cast<void*>(eager_get)},
    {Py_tp_dealloc, reinterpret_cast<void*>(eager_dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(eager_repr)},
    {Py_tp_methods, kEagerMethods},
    {Py_tp_members, kEagerMembers},
    {Py_tp_getset, kEagerGetSet},
    {Py_tp_doc, const_cast<char*>("An op run eagerly in C++ (its fallback, the Python path, takes what it does not).")},
    {0, nullptr}};
PyType_Spec kEagerSpec = {"graphgrad._core.EagerOp", sizeof(EagerObject), 0,
                          Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR, kEagerSlots};

// t[key] for an int or a step-1 slice of the first axis: a contiguous block of t, so a view of
// its storage (tensors are immutable: sharing is safe, as reshape's is). None for anything else,
// any index while tracing (a Parameter's row must be read by the graph), and an index out of
// range: ops' getitem takes those, and raises the errors.
py::object first_axis_view(py::handle self, py::handle key) {
  const PyTensor* t = value_of<const PyTensor>(self.ptr());
  if (!t || t->symbolic() || t_tracing || t->value.type.shape.empty()) return py::none();
  const Type& type = t->value.type;
  const Py_ssize_t rows = static_cast<Py_ssize_t>(type.shape[0]);
  Py_ssize_t start, stop, step = 1, count = 1;
  if (PyLong_CheckExact(key.ptr())) {
    start = PyLong_AsSsize_t(key.ptr());
    if (start == -1 && PyErr_Occurred()) return PyErr_Clear(), py::none();
    if (start < 0) start += rows;
    if (start < 0 || start >= rows) return py::none();
  } else if (PySlice_Check(key.ptr())) {
    if (PySlice_Unpack(key.ptr(), &start, &stop, &step) < 0) return PyErr_Clear(), py::none();
    if (step != 1) return py::none();
    count = PySlice_AdjustIndices(rows, &start, &stop, step);
  } else {
    return py::none();
  }
  Type out{type.dtype, Shape(type.shape.begin() + 1, type.shape.end())};
  const size_t row_bytes = out.bytes();
  if (!PyLong_CheckExact(key.ptr())) out.shape.insert(out.shape.begin(), count);
  PyTensor p;
  p.type_id = intern_type(out);
  p.value = Tensor{std::move(out), t->value.storage, t->value.offset + static_cast<size_t>(start) * row_bytes};
  return new_tensor(std::move(p));
}

// reshape(t, shape) for a tuple or list of ints (or one int), one of them -1 at most, that
// holds t's elements: a view of t's storage, or t itself for its own shape. None for anything
// else and while tracing: ops' reshape takes those, and raises the errors.
py::object reshape_view(py::handle self, py::handle shape) {
  const PyTensor* t = value_of<const PyTensor>(self.ptr());
  if (!t || t->symbolic() || t_tracing) return py::none();
  PyObject* s = shape.ptr();
  const bool one = PyLong_CheckExact(s);
  if (!one && !PyTuple_CheckExact(s) && !PyList_CheckExact(s)) return py::none();
  const Py_ssize_t n = one ? 1 : PySequence_Fast_GET_SIZE(s);
  Shape dims(static_cast<size_t>(n));
  int64_t known = 1, unknown = -1;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* d = one ? s : PySequence_Fast_ITEMS(s)[i];
    if (!PyLong_CheckExact(d)) return py::none();
    const long long v = PyLong_AsLongLong(d);
    if (v == -1 && PyErr_Occurred()) return PyErr_Clear(), py::none();
    if (v == -1 && unknown < 0) {
      unknown = i;
    } else if (v < 0 || (v > 0 && known > INT64_MAX / v)) {
      return py::none();
    } else {
      known *= v;
    }
    dims[static_cast<size_t>(i)] = v;
  }
  const Type& type = t->value.type;
  const int64_t numel = type.numel();
  if (unknown >= 0) {
    if (known == 0 || numel % known) return py::none();
    dims[static_cast<size_t>(unknown)] = numel / known;
  } else if (known != numel) {
    return py::none();
  }
  if (dims == type.shape) return py::reinterpret_borrow<py::object>(self);
  PyTensor p;
  p.value = Tensor{Type{type.dtype, std::move(dims)}, t->value.storage, t->value.offset};
  p.type_id = intern_type(p.value.type);
  return new_tensor(std::move(p));
}

}  // namespace

void bind_eager(py::module_& m) {
  m.def("reshape_view", &reshape_view, "reshape(t, shape) as a view when shape is plain ints, else None.");
  m.def("first_axis_view", &first_axis_view, "t[key] for an int or a step-1 slice as a view, else None.");
  static OpCache* const op_cache = new OpCache;  // (used with the GIL held; kept for the process)
  m.def(
      "run_op",
      [](const std::string& name, const py::list& inputs, const py::dict& attrs) {
        return op_cache->run(name, inputs, attrs);
      },
      "Runs the op `name` on concrete tensors now.");
  g_eager_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kEagerSpec));
  if (!g_eager_type) throw py::error_already_set();
  m.add_object("EagerOp", py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(g_eager_type)));  // (kept for the process)
  m.def(
      "eager_op",
      [](const std::string& name, const std::vector<int>& dtypes, py::object fallback, int arity, bool numbers) {
        if (arity != 1 && arity != 2) throw py::value_error("eager_op: arity must be 1 or 2");
        unsigned mask = 0;
        for (int code : dtypes) mask |= 1u << code;
        return new_eager(std::make_unique<Eager>(Eager{&op_def(name), arity, mask, numbers, false, std::move(fallback), {}}));
      },
      py::arg("name"), py::arg("dtypes"), py::arg("fallback"), py::arg("arity") = 2, py::arg("numbers") = false,
      "The op `name` run eagerly in C++ when its operands are Tensors of `dtypes` (codes; with numbers=True one "
      "may be a Python int or float), else by `fallback`.");
}

}  // namespace gg::pyapi
