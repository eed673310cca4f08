# lit configuration: every .pir file under this folder is a test; RUN lines use the
# tools of the build passed as --param bin=DIR.
import os
import lit.formats

config.name = "partita"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".pir"]
config.test_source_root = os.path.dirname(__file__)

bindir = lit_config.params.get("bin")
if not bindir:
    lit_config.fatal("pass --param bin=<build>/bin")
# Absolute, so tools started from a test's own directory (mpirun's ranks) find it too.
bindir = os.path.abspath(bindir)
filecheck = lit_config.params.get("filecheck", "FileCheck")
# Test outputs go to the build tree, never into the sources.
config.test_exec_root = os.path.join(os.path.dirname(bindir.rstrip("/")), "lit-out")

config.environment["PATH"] = os.pathsep.join([bindir, config.environment.get("PATH", os.environ.get("PATH", ""))])
# MPI processes under ASan leak from OpenMPI's plugins at exit; leak checks stay on elsewhere.
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("FileCheck", filecheck))
config.substitutions.append(("%not", "not"))
