// Every collective on f32, bf16 and i32 on a 2x3 mesh, written by hand as a per-device
// program: run under mpirun (MPI collectives, JIT and interpreter engines) and compared with
// the interpreter's lockstep simulation by same_output.py. Uneven axis orders ("b","a") and
// non-leading gather/scatter/all_to_all dims exercise the packing.
mesh @m = <["a"=2, "b"=3]>

func @main(%x_f32: f32[6,4,6], %x_bf16: bf16[6,4,6], %x_i32: i32[6,4,6])
    -> (f32[6,4,6], f32[6,4,6], f32[6,4,6], f32[6,12,6], f32[6,4,2], f32[6,8,3], f32[6,4,6], f32[36,4,6], bf16[6,4,6], bf16[6,4,6], bf16[6,4,6], bf16[6,12,6], bf16[6,4,2], bf16[6,8,3], bf16[6,4,6], bf16[36,4,6], i32[6,4,6], i32[6,4,6], i32[6,4,6], i32[6,12,6], i32[6,4,2], i32[6,8,3], i32[6,4,6], i32[36,4,6])
    attributes {partitioned = @m} {
  %s_f32 = all_reduce(%x_f32) {axes = ["b"], reduction = "sum"} : f32[6,4,6]
  %mx_f32 = all_reduce(%x_f32) {axes = ["b", "a"], reduction = "max"} : f32[6,4,6]
  %mn_f32 = all_reduce(%x_f32) {axes = ["a"], reduction = "min"} : f32[6,4,6]
  %g_f32 = all_gather(%x_f32) {axes = ["b"], dim = 1} : f32[6,12,6]
  %r_f32 = reduce_scatter(%x_f32) {axes = ["b"], dim = 2, reduction = "sum"} : f32[6,4,2]
  %t_f32 = all_to_all(%x_f32) {axes = ["a"], split_dim = 2, concat_dim = 1} : f32[6,8,3]
  %p_f32 = collective_permute(%x_f32) {axes = ["a", "b"], shift = 2} : f32[6,4,6]
  %q_f32 = all_gather(%x_f32) {axes = ["b", "a"], dim = 0} : f32[36,4,6]
  %s_bf16 = all_reduce(%x_bf16) {axes = ["b"], reduction = "sum"} : bf16[6,4,6]
  %mx_bf16 = all_reduce(%x_bf16) {axes = ["b", "a"], reduction = "max"} : bf16[6,4,6]
  %mn_bf16 = all_reduce(%x_bf16) {axes = ["a"], reduction = "min"} : bf16[6,4,6]
  %g_bf16 = all_gather(%x_bf16) {axes = ["b"], dim = 1} : bf16[6,12,6]
  %r_bf16 = reduce_scatter(%x_bf16) {axes = ["b"], dim = 2, reduction = "sum"} : bf16[6,4,2]
  %t_bf16 = all_to_all(%x_bf16) {axes = ["a"], split_dim = 2, concat_dim = 1} : bf16[6,8,3]
  %p_bf16 = collective_permute(%x_bf16) {axes = ["a", "b"], shift = 2} : bf16[6,4,6]
  %q_bf16 = all_gather(%x_bf16) {axes = ["b", "a"], dim = 0} : bf16[36,4,6]
  %s_i32 = all_reduce(%x_i32) {axes = ["b"], reduction = "sum"} : i32[6,4,6]
  %mx_i32 = all_reduce(%x_i32) {axes = ["b", "a"], reduction = "max"} : i32[6,4,6]
  %mn_i32 = all_reduce(%x_i32) {axes = ["a"], reduction = "min"} : i32[6,4,6]
  %g_i32 = all_gather(%x_i32) {axes = ["b"], dim = 1} : i32[6,12,6]
  %r_i32 = reduce_scatter(%x_i32) {axes = ["b"], dim = 2, reduction = "sum"} : i32[6,4,2]
  %t_i32 = all_to_all(%x_i32) {axes = ["a"], split_dim = 2, concat_dim = 1} : i32[6,8,3]
  %p_i32 = collective_permute(%x_i32) {axes = ["a", "b"], shift = 2} : i32[6,4,6]
  %q_i32 = all_gather(%x_i32) {axes = ["b", "a"], dim = 0} : i32[36,4,6]
  return %s_f32, %mx_f32, %mn_f32, %g_f32, %r_f32, %t_f32, %p_f32, %q_f32, %s_bf16, %mx_bf16, %mn_bf16, %g_bf16, %r_bf16, %t_bf16, %p_bf16, %q_bf16, %s_i32, %mx_i32, %mn_i32, %g_i32, %r_i32, %t_i32, %p_i32, %q_i32
}
