#!/usr/bin/env python3
"""Kills one rank of a running `mpirun -np 2 partita-run` job and checks that the whole job
then ends, with a nonzero status, within a bound (the surviving rank is left waiting in an
all_reduce that can never complete, so only the launcher's failure handling ends it).

Usage: kill_rank.py MPIRUN_ARGS... -- PARTITA_RUN PROGRAM [ARGS...]
"""
import os, signal, subprocess, sys, time

BOUND = 30.0  # seconds from the kill to the end of the job


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except OSError:
            pass
    return out


def descendants_named(pid, name):
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children(p):
            todo.append(c)
            try:
                with open("/proc/%d/comm" % c) as f:
                    if f.read().strip() == name[:15]:
                        found.append(c)
            except OSError:
                pass
    return found


def main(argv):
    sep = argv.index("--")
    cmd = argv[:sep] + argv[sep + 1:]
    run = os.path.basename(argv[sep + 1])
    job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ranks, t0 = [], time.monotonic()
    while len(ranks) < 2 and time.monotonic() - t0 < 60 and job.poll() is None:
        ranks = descendants_named(job.pid, run)
        time.sleep(0.05)
    if len(ranks) < 2:
        job.kill()
        print("FAIL: the ranks did not start (found %d); output:\n%s" % (len(ranks), job.communicate()[0]))
        return 1
    time.sleep(1.0)  # both ranks are compiling or computing by now
    if job.poll() is not None:
        print("FAIL: the job ended before a rank could be killed:\n" + job.communicate()[0])
        return 1
    victim = max(ranks)
    os.kill(victim, signal.SIGKILL)
    t1 = time.monotonic()
    try:
        out, _ = job.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        job.kill()
        print("FAIL: the job did not end within %g s of killing rank pid %d" % (BOUND, victim))
        return 1
    secs = time.monotonic() - t1
    print(out)
    if job.returncode == 0:
        print("FAIL: the job exited 0 after a rank was killed")
        return 1
    print("PASS: the job ended with status %d %.1f s after the kill" % (job.returncode, secs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
