// --inputs DIR/x.npy that is not a readable array file is an error naming it: a dangling
// symbolic link is not "no file" (which would silently generate x), and a FIFO or a
// directory is refused instead of blocking on open.
// RUN: rm -rf %t && mkdir -p %t/link %t/fifo %t/dir/x.npy
// RUN: ln -s %t/nowhere.npy %t/link/x.npy
// RUN: not partita-run %s --inputs %t/link 2>&1 | FileCheck %s --check-prefix=LINK
// LINK: link/x.npy: error: dangling symbolic link for argument %x
// RUN: not partita-run %s --inputs %t/link --simulate --engine=interp 2>&1 | FileCheck %s --check-prefix=LINK
// RUN: mkfifo %t/fifo/x.npy
// RUN: not timeout 60 partita-run %s --inputs %t/fifo 2>&1 | FileCheck %s --check-prefix=FIFO
// FIFO: fifo/x.npy: error: not a regular file (a FIFO, socket or device) for argument %x
// RUN: not partita-run %s --inputs %t/dir 2>&1 | FileCheck %s --check-prefix=DIR
// DIR: dir/x.npy: error: cannot open: is a directory for argument %x
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4]
  return %y
}
