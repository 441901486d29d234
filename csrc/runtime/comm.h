// Collectives as the executor sees them. graphgrad.communication installs a Backend (MPI through
// mpi4py, or a group of one); the core never links an MPI library. A collective in a graph is a
// pair of nodes: collective_start hands its buffer to the backend and returns at once,
// collective_wait blocks until it is done, and the kernels in between overlap the transfer
// (a thread calls the backend's progress() while a collective is in flight, because MPI moves a
// non-blocking collective along only inside MPI calls).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "ir/types.h"

namespace gg::comm {

struct Collective {
  std::string kind;  // all_reduce, all_gather, reduce_scatter, broadcast
  std::string op;    // sum, max, min, prod (all_reduce, reduce_scatter)
  int64_t root = 0;  // broadcast
  std::string name;  // the tensor's name, for messages and the dump
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Starts c on this rank's data `in` (of type in_type); the result will be in `work` (of type
  // work_type: all_gather's is the group's rows, reduce_scatter's is this rank's block). Returns a
  // handle for wait(). `in` may be `work` itself.
  virtual int64_t start(const Collective& c, const void* in, const Type& in_type, void* work,
                        const Type& work_type) = 0;
  // Blocks until the collective is done (or throws, e.g. after the timeout).
  virtual void wait(int64_t handle) = 0;
  // Moves in-flight collectives along; cheap when there is nothing to do.
  virtual void progress() = 0;
};

void set_backend(std::shared_ptr<Backend> backend);  // nullptr: none (collectives then throw)

// For the kernels: start registers the collective under its work buffer, wait finds it there.
void start(const Collective& c, const void* in, const Type& in_type, void* work, const Type& work_type);
void wait(const void* work, const std::string& name);

// For the executor: is a collective in flight on memory in [begin, begin + bytes) (then that
// memory must not be reused: the transfer may still write it).
bool in_flight_within(const void* begin, size_t bytes);

}  // namespace gg::comm
