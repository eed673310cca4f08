// Every construct partita-import-cxx rejects gets a located error at the C++ source and
// exit 1; Inputs/errors.cpp enables one construct per macro.
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBAD_PARAM 2>&1 | FileCheck %s --check-prefix=BAD_PARAM
// BAD_PARAM: errors.cpp:19:59: error: entry parameter 'n' must have a static tensor type
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDYN_PARAM 2>&1 | FileCheck %s --check-prefix=DYN_PARAM
// DYN_PARAM: errors.cpp:22:64: error: entry parameter 'any' needs a dtype and a shape
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DDYNAMIC_LOOP 2>&1 | FileCheck %s --check-prefix=DYNAMIC_LOOP
// DYNAMIC_LOOP: errors.cpp:27:23: error: loop trip count is not a compile-time constant: 'layers' is not a compile-time constant
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DPOINTER 2>&1 | FileCheck %s --check-prefix=POINTER
// POINTER: errors.cpp:32:19: error: pointer arithmetic is not supported
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DUNKNOWN_CALL 2>&1 | FileCheck %s --check-prefix=UNKNOWN_CALL
// UNKNOWN_CALL: errors.cpp:35:11: error: call to unknown function 'external'
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DSHAPE 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: errors.cpp:38:12: error: einsum: einsum letter 'm' has size 2 in operand 0 (f32[8,2]) but 4 in operand 1 (f32[4,8])
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DRESHAPE 2>&1 | FileCheck %s --check-prefix=RESHAPE
// RESHAPE: errors.cpp:41:12: error: reshape: {{.*}}element count
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DBAD_AXIS 2>&1 | FileCheck %s --check-prefix=BAD_AXIS
// BAD_AXIS: errors.cpp:44:12: error: shard: unknown axis "model"
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DWHILE 2>&1 | FileCheck %s --check-prefix=WHILE
// WHILE: errors.cpp:47:3: error: unsupported statement 'WhileStmt'
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DRECURSION 2>&1 | FileCheck %s --check-prefix=RECURSION
// RECURSION: errors.cpp:15:45: error: helper calls nest deeper than 64 (recursion is not supported)
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DADD_MISMATCH 2>&1 | FileCheck %s --check-prefix=ADD_MISMATCH
// ADD_MISMATCH: errors.cpp:54:14: error: operator+: operands of 'add' have different shapes: f32[4,8] and f32[4,2]
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DCXX_ERROR 2>&1 | FileCheck %s --check-prefix=CXX_ERROR
// CXX_ERROR: errors.cpp:57:3: error: use of undeclared identifier 'undeclared'
// CXX_ERROR: errors.cpp:1:1: error: the C++ file does not compile
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DTOO_LONG 2>&1 | FileCheck %s --check-prefix=TOO_LONG
// TOO_LONG: errors.cpp:60:3: error: loop runs more than 1000000 iterations
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DTWO_ENTRIES 2>&1 | FileCheck %s --check-prefix=TWO_ENTRIES
// TWO_ENTRIES: errors.cpp:67:47: error: more than one function is marked as the entry
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -- -DNO_ENTRY 2>&1 | FileCheck %s --check-prefix=NO_ENTRY
// NO_ENTRY: errors.cpp:1:1: error: no function is marked {{\[\[}}clang::annotate("partita.entry"){{\]\]}}
// The tool's own errors name the tool.
// RUN: not partita-import-cxx 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: partita-import-cxx: error: no input file
// RUN: not partita-import-cxx %S/Inputs/errors.cpp -o %S/Inputs/errors.cpp 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// OVERWRITE: partita-import-cxx: error: the output would overwrite the input file
// RUN: partita-import-cxx --help | FileCheck %s --check-prefix=HELP
// HELP: usage: partita-import-cxx FILE.cpp
