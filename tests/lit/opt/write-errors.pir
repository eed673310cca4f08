// Every failed write is exit 1 with a message, also on special files (ENOSPC from
// /dev/full surfaces only when the written bytes are flushed).
// RUN: not partita-opt %s -o /dev/full 2>&1 | FileCheck %s --check-prefix=OUT
// OUT: /dev/full: error: cannot write: write failed
// RUN: not partita-opt %s --stats-json=/dev/full 2>&1 | FileCheck %s --check-prefix=STATS
// STATS: /dev/full: error: cannot write: write failed
// RUN: not partita-opt %s > /dev/full 2>&1
// RUN: not partita-opt %s --print-sharding-rules > /dev/full 2> %t.rules.err
// RUN: FileCheck %s --check-prefix=STDOUT < %t.rules.err
// RUN: not partita-opt %s --memory-report > /dev/full 2> %t.memory.err
// RUN: FileCheck %s --check-prefix=STDOUT < %t.memory.err
// STDOUT: {{^(partita-opt|-)}}: error: {{(cannot write: )?}}write to stdout failed
// RUN: not partita-opt %s --dot /dev/full 2>&1 | FileCheck %s --check-prefix=OUT
// RUN: not partita-glam --config 1.7B/64E -o /dev/full 2>&1 | FileCheck %s --check-prefix=GLAM
// GLAM: {{^}}/dev/full: error: cannot write: write failed
// RUN: not partita-glam --config 1.7B/64E --stats-json=- > /dev/full
func @main(%x: f32[4]) -> (f32[4]) {
  %y = exp(%x) : f32[4]
  return %y
}
