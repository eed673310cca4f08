// Every construct partita-import-cxx rejects gets a located error at the C++ source and
// exit 1; Inputs/errors.cpp enables one construct per macro.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBAD_PARAM 2>&1 | FileCheck %s --check-prefix=BAD_PARAM
// BAD_PARAM: errors.cpp:19:59: error: entry parameter 'n' must have a static tensor type
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDYN_PARAM 2>&1 | FileCheck %s --check-prefix=DYN_PARAM
// DYN_PARAM: errors.cpp:22:64: error: entry parameter 'any' needs a dtype and a shape
// Argument attributes: PARTITA_BOUND needs an i32 parameter and a positive bound; other
// partita.* annotations are unknown.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBOUND_F32 2>&1 | FileCheck %s --check-prefix=BOUND_F32
// BOUND_F32: errors.cpp:25:24: error: PARTITA_BOUND applies to i32 parameters, but 'f' is f32[4]
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- '-DBOUND=2 - 2' 2>&1 | FileCheck %s --check-prefix=BOUND_ZERO
// BOUND_ZERO: errors.cpp:28:24: error: PARTITA_BOUND must be an integer in [1, 2^31], got 0
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBOUND=2147483649LL 2>&1 | FileCheck %s --check-prefix=BOUND_HUGE
// BOUND_HUGE: errors.cpp:28:24: error: PARTITA_BOUND must be an integer in [1, 2^31], got 2147483649
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DUNKNOWN_ANNOTATION 2>&1 | FileCheck %s --check-prefix=UNKNOWN_ANNOTATION
// UNKNOWN_ANNOTATION: errors.cpp:31:26: error: unknown annotation 'partita.sharding' on entry parameter 'ids'
// Loops, conditions and statements.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDYNAMIC_LOOP 2>&1 | FileCheck %s --check-prefix=DYNAMIC_LOOP
// DYNAMIC_LOOP: errors.cpp:36:23: error: loop trip count is not a compile-time constant: 'layers' is not a compile-time constant
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDYNAMIC_IF 2>&1 | FileCheck %s --check-prefix=DYNAMIC_IF
// DYNAMIC_IF: errors.cpp:77:7: error: if condition is not a compile-time constant: 'layers' is not a compile-time constant
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DTOO_LONG 2>&1 | FileCheck %s --check-prefix=TOO_LONG
// TOO_LONG: errors.cpp:69:3: error: loop runs more than 1000000 iterations
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DWHILE 2>&1 | FileCheck %s --check-prefix=WHILE
// WHILE: errors.cpp:56:3: error: unsupported statement 'WhileStmt'
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBREAK 2>&1 | FileCheck %s --check-prefix=BREAK
// BREAK: errors.cpp:74:5: error: unsupported statement 'BreakStmt'
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DSTATIC_LOCAL 2>&1 | FileCheck %s --check-prefix=STATIC_LOCAL
// STATIC_LOCAL: errors.cpp:91:14: error: static local variables are not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DNO_INIT 2>&1 | FileCheck %s --check-prefix=NO_INIT
// NO_INIT: errors.cpp:94:7: error: variable 'k' needs an initializer
// Pointers, arrays, calls and other expressions outside the subset.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DPOINTER 2>&1 | FileCheck %s --check-prefix=POINTER
// POINTER: errors.cpp:41:19: error: pointer arithmetic is not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DARRAY 2>&1 | FileCheck %s --check-prefix=ARRAY
// ARRAY: errors.cpp:88:27: error: array subscripts and pointer arithmetic are not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DUNKNOWN_CALL 2>&1 | FileCheck %s --check-prefix=UNKNOWN_CALL
// UNKNOWN_CALL: errors.cpp:44:11: error: call to unknown function 'external'
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DMEMBER_CALL 2>&1 | FileCheck %s --check-prefix=MEMBER_CALL
// MEMBER_CALL: errors.cpp:81:12: error: member function calls are not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DLAMBDA 2>&1 | FileCheck %s --check-prefix=LAMBDA
// LAMBDA: errors.cpp:84:16: error: lambdas are not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DRECURSION 2>&1 | FileCheck %s --check-prefix=RECURSION
// RECURSION: errors.cpp:15:45: error: helper calls nest deeper than 64 (recursion is not supported)
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DCOMMA 2>&1 | FileCheck %s --check-prefix=COMMA
// COMMA: errors.cpp:118:15: error: the comma operator is not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DASSIGN_GLOBAL 2>&1 | FileCheck %s --check-prefix=ASSIGN_GLOBAL
// ASSIGN_GLOBAL: errors.cpp:114:3: error: only local variables can be assigned
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DEMPTY_TENSOR 2>&1 | FileCheck %s --check-prefix=EMPTY_TENSOR
// EMPTY_TENSOR: errors.cpp:98:12: error: 't' is used before it has a value
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDIV_ZERO 2>&1 | FileCheck %s --check-prefix=DIV_ZERO
// DIV_ZERO: errors.cpp:102:16: error: division by zero
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DINDEX 2>&1 | FileCheck %s --check-prefix=INDEX
// INDEX: errors.cpp:105:33: error: index 2 is out of range (2 elements)
// Shape and attribute errors: the verifier's message at the call.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DSHAPE 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: errors.cpp:47:12: error: einsum: einsum letter 'm' has size 2 in operand 0 (f32[8,2]) but 4 in operand 1 (f32[4,8])
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DRESHAPE 2>&1 | FileCheck %s --check-prefix=RESHAPE
// RESHAPE: errors.cpp:50:12: error: reshape: {{.*}}element count
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DADD_MISMATCH 2>&1 | FileCheck %s --check-prefix=ADD_MISMATCH
// ADD_MISMATCH: errors.cpp:63:14: error: operator+: operands of 'add' have different shapes: f32[4,8] and f32[4,2]
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBAD_AXIS 2>&1 | FileCheck %s --check-prefix=BAD_AXIS
// BAD_AXIS: errors.cpp:53:12: error: shard: unknown axis "model"
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDIM_RANGE 2>&1 | FileCheck %s --check-prefix=DIM_RANGE
// DIM_RANGE: errors.cpp:108:37: error: dim: dimension 2 is out of range for f32[4,2]
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DSOFTMAX_AXIS 2>&1 | FileCheck %s --check-prefix=SOFTMAX_AXIS
// SOFTMAX_AXIS: errors.cpp:111:23: error: softmax: axis 2 is out of range for f32[4,2]
// Meshes and entries.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DMESH_EMPTY 2>&1 | FileCheck %s --check-prefix=MESH_EMPTY
// MESH_EMPTY: errors.cpp:127:12: error: mesh 'empty' needs at least one axis
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DMESH_SIZE 2>&1 | FileCheck %s --check-prefix=MESH_SIZE
// MESH_SIZE: errors.cpp:130:12: error: a mesh axis must be {"name", size} with a positive compile-time size
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DTWO_ENTRIES 2>&1 | FileCheck %s --check-prefix=TWO_ENTRIES
// TWO_ENTRIES: errors.cpp:124:47: error: more than one function is marked as the entry
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DNO_ENTRY 2>&1 | FileCheck %s --check-prefix=NO_ENTRY
// NO_ENTRY: errors.cpp:1:1: error: no function is marked {{\[\[}}clang::annotate("partita.entry"){{\]\]}}
// C++ errors are Clang's, then one summary error.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DCXX_ERROR 2>&1 | FileCheck %s --check-prefix=CXX_ERROR
// An output that cannot be written: one line naming it, exit 1.
// RUN: not partita-import-cxx %S/Inputs/mlp.cpp -o %t.missing/x.pir 2>&1 | FileCheck %s --check-prefix=NOWRITE
// NOWRITE: {{^.*}}.missing/x.pir: error: cannot write: {{.*}}
// RUN: not partita-import-cxx %S/Inputs/mlp.cpp > /dev/full 2> %t.full.err
// RUN: FileCheck %s --check-prefix=FULL < %t.full.err
// FULL: partita-import-cxx: error: write to stdout failed
// CXX_ERROR: errors.cpp:66:3: error: use of undeclared identifier 'undeclared'
// CXX_ERROR-NOT: {{^ *[0-9]* \|}}
// CXX_ERROR: errors.cpp:1:1: error: the C++ file does not compile
// The tool's own errors name the tool.
// RUN: not partita-import-cxx 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: partita-import-cxx: error: no input file
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -o %S/Inputs/errors.cpp 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// OVERWRITE: partita-import-cxx: error: the output would overwrite the input file
// RUN: not partita-import-cxx %S/Inputs/errors.cpp --locs 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: partita-import-cxx: error: unknown option '--locs' (see --help)
// RUN: partita-import-cxx --help | FileCheck %s --check-prefix=HELP
// HELP: usage: partita-import-cxx FILE.cpp
// HELP: --no-locs
