# Runs a fuzzer on a fresh corpus made of the seed folders' SEED_GLOB files (default *.pir).
# cmake -DFUZZER=... -DWORK_DIR=... -DSEED_DIRS="a|b" [-DSEED_GLOB=*.npy] -DDICT=...
#       -DSECONDS=60 -DRUNS=N -P RunFuzzer.cmake
# As a test the run is reproducible: a fixed libFuzzer seed and at most RUNS inputs, so a
# finding fails every run of that tree, not one CI run in ten (a slower machine stops at
# SECONDS*3, which is a prefix of the same sequence). Exploration with fresh seeds is
# `make fuzz`, which sets PARTITA_FUZZ_SEED=0 (random) and PARTITA_FUZZ_SECONDS.
if(NOT SEED_GLOB)
  set(SEED_GLOB *.pir)
endif()
get_filename_component(fuzzer_name ${FUZZER} NAME)
set(corpus ${WORK_DIR}/corpus)
file(REMOVE_RECURSE ${corpus})
file(MAKE_DIRECTORY ${corpus})
string(REPLACE "|" ";" seed_dirs "${SEED_DIRS}")
set(n 0)
foreach(dir ${seed_dirs})
  file(GLOB_RECURSE seeds ${dir}/${SEED_GLOB})
  foreach(seed ${seeds})
    # Numbered names: seeds with the same file name in different folders all survive.
    get_filename_component(base ${seed} NAME)
    configure_file(${seed} ${corpus}/${n}_${base} COPYONLY)
    math(EXPR n "${n} + 1")
  endforeach()
endforeach()
set(seed 1)
set(runs -runs=${RUNS})
math(EXPR limit "${SECONDS} * 3")
if(DEFINED ENV{PARTITA_FUZZ_SEED})
  set(seed $ENV{PARTITA_FUZZ_SEED})
endif()
if(DEFINED ENV{PARTITA_FUZZ_SECONDS})
  set(limit $ENV{PARTITA_FUZZ_SECONDS})
  set(runs)
endif()
message(STATUS "${fuzzer_name}: ${n} seed files, seed ${seed}, ${runs} -max_total_time=${limit}")
execute_process(COMMAND ${FUZZER} -seed=${seed} ${runs} -max_total_time=${limit} -timeout=10
                        -rss_limit_mb=2048
                        -print_final_stats=1 -dict=${DICT} -artifact_prefix=${WORK_DIR}/
                        ${corpus}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${fuzzer_name} failed (exit ${rc}); the crashing input is in ${WORK_DIR}")
endif()
