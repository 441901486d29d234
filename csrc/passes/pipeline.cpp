// The pass pipeline, in order. Each stage's graph is kept so the dump can show every step.
#include "passes/passes.h"

#include <iterator>

namespace gg {

std::vector<Stage> optimize(const Graph& g, bool check) {
  struct Pass {
    const char* name;
    Graph (*run)(const Graph&);
  };
  // Folding makes the fills that simplify looks for; simplify and CSE leave dead nodes for DCE.
  // fuse_relu runs after fuse_update, which takes only plain matmuls; scheduling comes last.
  static const Pass passes[] = {{"fold", fold},          {"simplify", simplify},       {"cse", cse},
                                {"fuse_bias", fuse_bias}, {"fuse_bce", fuse_bce},       {"fuse_update", fuse_update},
                                {"fuse_relu", fuse_relu}, {"dce", dce},
                                {"schedule_updates", schedule_updates},
                                {"schedule_collectives", schedule_collectives},
                                {"schedule_checks", schedule_checks}};
  std::vector<Stage> stages;
  stages.reserve(std::size(passes));  // `current` points into it
  const Graph* current = &g;
  for (const Pass& p : passes) {
    stages.push_back({p.name, p.run(*current)});
    if (check) verify(stages.back().graph);
    current = &stages.back().graph;
  }
  return stages;
}

}  // namespace gg
