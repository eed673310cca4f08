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
#ifdef BOUND_F32
                     , PARTITA_BOUND(4) Tensor<f32, 4> f
#endif
#ifdef BOUND
                     , PARTITA_BOUND(BOUND) Tensor<i32, 4> ids
#endif
#ifdef UNKNOWN_ANNOTATION
                     , [[clang::annotate("partita.sharding")]] Tensor<i32, 4> ids
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
#ifdef BREAK
  for (int i = 0; i < 3; ++i)
    break;
#endif
#ifdef DYNAMIC_IF
  if (layers > 1)
    y = gelu(y);
#endif
#ifdef MEMBER_CALL
  auto n = y.shape.size();
#endif
#ifdef LAMBDA
  auto twice = [](const Tensor<> &t) { return t + t; };
#endif
#ifdef ARRAY
  int dims[2] = {0, 1};
  auto z = reduce_sum(y, {dims[1]});
#endif
#ifdef STATIC_LOCAL
  static int calls = 0;
#endif
#ifdef NO_INIT
  int k;
#endif
#ifdef EMPTY_TENSOR
  Tensor<> t = Tensor<>();
  y = gelu(t);
#endif
#ifdef DIV_ZERO
  for (int i = 0; i < 2; ++i)
    y = y * (4 / i);
#endif
#ifdef INDEX
  auto z = reshape(y, {shape(y)[2]});
#endif
#ifdef DIM_RANGE
  auto z = constant(0, f32, {dim(y, 2)});
#endif
#ifdef SOFTMAX_AXIS
  auto z = softmax(y, 2);
#endif
#ifdef ASSIGN_GLOBAL
  layers = 2;
#endif
#ifdef COMMA
  int a = 0;
  int k = (a++, 2);
#endif
  return y;
}

#ifdef TWO_ENTRIES
[[clang::annotate("partita.entry")]] Tensor<> other(Tensor<f32, 2> x) { return x; }
#endif
#ifdef MESH_EMPTY
const Mesh empty{};
#endif
#ifdef MESH_SIZE
const Mesh zero{{"a", 0}};
#endif
