// The pass registry: every pass partita-opt can name in --pipeline, in a stable order.
// Adding a pass is one row here plus its factory.
#include "passes/Partitioning.h"
#include "passes/Pass.h"
#include "passes/Passes.h"

#include <cstdlib>

namespace partita {

const char *const kPartitionPipeline =
    "propagate-sharding,spmd-partition,cse,merge-collectives,dce,combine-collectives,remat";

const std::vector<PassInfo> &registeredPasses() {
  static const std::vector<PassInfo> passes = {
      {"autodiff",
       "reverse-mode autodiff of @main: append d(result 0)/d(arg) for each trainable argument",
       createAutodiffPass},
      {"adafactor",
       "turn a differentiated @main into an Adafactor training step (params, state, step, batch)",
       createAdafactorPass},
      {"propagate-sharding",
       "give every value a sharding, from annotations forward and backward to a fixpoint",
       createPropagateShardingPass},
      {"spmd-partition", "turn the propagated module into one per-device program with collectives",
       createSpmdPartitionPass},
      {"merge-collectives",
       "fuse chained all_reduces (all_gathers of one dim) into one over the union of axes",
       createMergeCollectivesPass},
      {"combine-collectives",
       "merge independent all_reduces of equal axes, reduction and dtype into one of a "
       "concatenated buffer",
       createCombineCollectivesPass},
      {"remat",
       "with @main attribute remat = \"layer\": recompute each layer's forward values in the "
       "backward pass, just before their first backward use, instead of keeping them",
       createRematPass},
      {"cse", "merge ops with equal opcode, operands, attributes, result type and sharding",
       createCsePass},
      {"dce", "remove ops whose result is never used (transitively); returned values stay",
       createDcePass},
      {"async-collectives",
       "make every collective a start and an await, starts as early and awaits as late as "
       "data allow; option {max-outstanding=N} (default 4) caps the collectives in flight",
       [] { return createAsyncCollectivesPass(); },
       [](const std::string &opts, std::string *error) -> std::unique_ptr<Pass> {
         const std::string key = "max-outstanding=";
         if (opts.rfind(key, 0) == 0) {
           std::string v = opts.substr(key.size());
           char *end = nullptr;
           long n = std::strtol(v.c_str(), &end, 10);
           if (!v.empty() && !*end && n >= 1 && n <= 1 << 20)
             return createAsyncCollectivesPass((int)n);
         }
         *error = "pass 'async-collectives' takes {max-outstanding=N} with N >= 1, got {" + opts +
                  "}";
         return nullptr;
       }},
  };
  return passes;
}

} // namespace partita
