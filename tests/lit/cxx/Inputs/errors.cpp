// One rejected construct per macro; errors.pir checks each diagnostic's location.
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"data", 2}};
extern int layers;
int external(int);
#ifdef NO_ENTRY
#define ENTRY
#else
#define ENTRY [[clang::annotate("partita.entry")]]
#endif

Tensor<> helper(const Tensor<> &x) { return helper(x); }

ENTRY Tensor<> model(Tensor<f32, 4, 8> x, Tensor<f32, 8, 2> w
#ifdef BAD_PARAM
                                                    , int n
#endif
#ifdef DYN_PARAM
                                                    , Tensor<> any
#endif
) {
  auto y = einsum("bm,mh->bh", x, w);
#ifdef DYNAMIC_LOOP
  for (int i = 0; i < layers; ++i)
    y = gelu(y);
#endif
#ifdef POINTER
  const char *spec = "bm,mh->bh";
  y = einsum(spec + 1, x, w);
#endif
#ifdef UNKNOWN_CALL
  int k = external(3);
#endif
#ifdef SHAPE
  auto z = einsum("bm,mh->bh", w, x);
#endif
#ifdef RESHAPE
  auto z = reshape(y, {3, 3});
#endif
#ifdef BAD_AXIS
  auto z = shard(y, mesh, {{"model"}, {}});
#endif
#ifdef WHILE
  while (true) {
  }
#endif
#ifdef RECURSION
  y = helper(y);
#endif
#ifdef ADD_MISMATCH
  auto z = x + y;
#endif
#ifdef CXX_ERROR
  undeclared(y);
#endif
#ifdef TOO_LONG
  for (long i = 0; i < 10000000; ++i) {
  }
#endif
  return y;
}

#ifdef TWO_ENTRIES
[[clang::annotate("partita.entry")]] Tensor<> other(Tensor<f32, 2> x) { return x; }
#endif
