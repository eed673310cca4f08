# Runs a fuzzer on a fresh corpus made of the seed folders' SEED_GLOB files (default *.pir).
# cmake -DFUZZER=... -DWORK_DIR=... -DSEED_DIRS="a|b" [-DSEED_GLOB=*.npy] -DDICT=...
#       -DSECONDS=60 -P RunFuzzer.cmake
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
message(STATUS "${fuzzer_name}: ${n} seed files")
execute_process(COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
                        -print_final_stats=1 -dict=${DICT} -artifact_prefix=${WORK_DIR}/
                        ${corpus}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${fuzzer_name} failed (exit ${rc}); the crashing input is in ${WORK_DIR}")
endif()
