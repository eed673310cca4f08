#!/usr/bin/env python3
"""partita-train end to end, with a hand-written step program (mlp_step.pir):

  loop    3 simulated steps; each step's loss and new parameters and state equal those of
          partita-run on the same inputs (the previous checkpoint, the step count, and the
          batch packed by this script's own implementation of the contract's packing)
  mpi     mpirun -np 4 and --simulate give the same losses and checkpoints (also with
          uneven, padded shards); --check passes under mpirun
  resume  6 steps, and 3 steps + --resume to 6: equal losses and checkpoint bytes
          (simulated, and under mpirun)
  kill    SIGKILL at random moments of runs that save every step: every step-<k>
          directory is always whole, and resuming ends with the uninterrupted run's bytes
  errors  a checkpoint of another model (shapes, shardings), a truncated .npy, a fresh
          run into a directory with checkpoints, too little data: one located error,
          exit 1, and the checkpoint directory unchanged
  learns  200 steps on a license text: the mean loss of the last 20 steps is well below
          that of the first 20

Usage: train_test.py BIN_DIR MODE [MPIRUN...]
"""
import hashlib, json, os, random, re, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import npyio

STEP = os.path.join(HERE, "mlp_step.pir")
TRAINED = ["emb", "pos", "out", "emb.v", "pos.v", "out.v"]
SCALE = {"emb": 1.0, "out": 0.17677}
B, S = 8, 16
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def data_file(work):
    """A small text with documents of several lengths (some longer than a row)."""
    path = os.path.join(work, "data.txt")
    paras = []
    rnd = random.Random(3)
    words = "the quick brown fox jumps over a lazy dog while partitioned programs train".split()
    for p in range(40):
        n = rnd.randint(1, 30)
        paras.append(" ".join(rnd.choice(words) for _ in range(n)))
    with open(path, "w") as f:
        f.write("\n\n\n".join(paras) + "\n")
    return path


def pack(path, seq, eod=256):
    """The contract's packing, independently of partita-train: documents split at blank
    lines (lines of only spaces, tabs and CRs), each from its first non-blank line to the
    end of its last one (without that line's terminator and a CR before it), bytes then the
    end-of-document id; packed greedily in file order, a document that does not fit in the
    rest of a started row beginning the next one, one longer than a row filling whole rows
    as a new segment in each; ids shifted right with 0 at each segment start."""
    with open(path, "rb") as f:
        text = f.read()
    docs, start, last_end, pos = [], None, None, 0
    for line in text.split(b"\n"):
        blank = all(c in b" \t\r" for c in line)
        if not blank:
            if start is None:
                start = pos
            last_end = pos + len(line) - (1 if line.endswith(b"\r") else 0)
        elif start is not None:
            docs.append(text[start:last_end])
            start = None
        pos += len(line) + 1
    if start is not None:
        docs.append(text[start:last_end])
    rows = []
    for d in docs:
        toks = list(d) + [eod]
        if rows and rows[-1]["used"] > 0 and len(toks) > seq - rows[-1]["used"]:
            rows[-1]["used"] = seq  # padding: the document begins the next row
        while toks:
            if not rows or rows[-1]["used"] == seq:
                rows.append({"used": 0, "segs": 0, "ids": [0] * seq, "labels": [0] * seq,
                             "segments": [0] * seq, "positions": [0] * seq})
            r = rows[-1]
            take = toks[:seq - r["used"]]
            toks = toks[len(take):]
            r["segs"] += 1
            for j, t in enumerate(take):
                c = r["used"] + j
                r["labels"][c] = t
                r["ids"][c] = 0 if j == 0 else take[j - 1]
                r["segments"][c] = r["segs"]
                r["positions"][c] = j
            r["used"] += len(take)
    return rows


def run(cmd, timeout=600):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    return p.returncode, p.stdout, p.stderr


def must(cmd, timeout=600):
    code, out, err = run(cmd, timeout)
    if code != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), code, out, err))
    return out


def losses(log):
    with open(log) as f:
        return [json.loads(l) for l in f]


def tree_digest(d):
    """Digest of every file under d (names and bytes)."""
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(d)):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(root, n)
            h.update(os.path.relpath(p, d).encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def same_bytes(a, b):
    for n in TRAINED:
        with open(os.path.join(a, n + ".npy"), "rb") as f, open(os.path.join(b, n + ".npy"), "rb") as g:
            if f.read() != g.read():
                return n
    return None


def train(bin_dir, data, ckpt, steps, *extra, mpirun=None, log=None):
    cmd = [os.path.join(bin_dir, "partita-train"), STEP, "--data", data, "--steps", str(steps),
           "--seed", "5", "--checkpoint-dir", ckpt] + (["--log", log] if log else []) + list(extra)
    return must(mpirun + ["-np", "4"] + cmd if mpirun else cmd + ["--simulate"])


def mode_loop(bin_dir, work, mpirun):
    data = data_file(work)
    ckpt, log = os.path.join(work, "ckpt"), os.path.join(work, "log")
    train(bin_dir, data, ckpt, 3, "--save-every", "1", "--keep", "0", log=log)
    got = losses(log)
    rows = pack(data, S)
    run_bin = os.path.join(bin_dir, "partita-run")
    # The initial uniform parameters: partita-run's generated inputs of the same seed,
    # scaled as train.init says.
    gen = os.path.join(work, "gen")
    must([run_bin, STEP, "--simulate", "--seed", "5", "--outputs", gen, "--save-inputs"])
    for k in range(1, 4):
        inputs = os.path.join(work, "in%d" % k)
        os.makedirs(inputs)
        for n in TRAINED:
            if k > 1:
                shutil.copy(os.path.join(ckpt, "step-%d" % (k - 1), n + ".npy"), inputs)
                continue
            descr, shape, vals = npyio.read(os.path.join(gen, n.split(".")[0] + ".npy"))
            if n.endswith(".v"):
                vals = [0.0] * len(vals)
            elif n == "pos":
                vals = [1.0] * len(vals)
            else:
                vals = [npyio.f32(v * SCALE[n]) for v in vals]
            npyio.write(os.path.join(inputs, n + ".npy"), "<f4", shape, vals)
        npyio.write(os.path.join(inputs, "step.npy"), "<i4", (), [k - 1])
        for field in ("ids", "labels", "segments", "positions"):
            vals = []
            for r in range((k - 1) * B, k * B):
                vals += rows[r % len(rows)][field]
            npyio.write(os.path.join(inputs, field + ".npy"), "<i4", (B, S), vals)
        out = os.path.join(work, "out%d" % k)
        must([run_bin, STEP, "--simulate", "--inputs", inputs, "--outputs", out])
        loss = npyio.read(os.path.join(out, "result0.npy"))[2][0]
        if npyio.f32(got[k - 1]["loss"]) != loss:
            raise AssertionError("step %d: partita-train loss %r, partita-run %r" % (k, got[k - 1]["loss"], loss))
        for i, n in enumerate(TRAINED):
            a = npyio.read(os.path.join(out, "result%d.npy" % (2 + i)))[2]
            b = npyio.read(os.path.join(ckpt, "step-%d" % k, n + ".npy"))[2]
            if a != b:
                raise AssertionError("step %d: %%%s differs from partita-run's result %d" % (k, n, 2 + i))
    # The same documents as an int32 .npy token stream (each ending with 256) pack alike.
    tokens = []
    with open(data, "rb") as f:
        for para in f.read().decode().split("\n\n\n"):
            tokens += list(para.strip("\n").encode()) + [256]
    npy = os.path.join(work, "tokens.npy")
    npyio.write(npy, "<i4", (len(tokens),), tokens)
    train(bin_dir, npy, os.path.join(work, "ckpt-npy"), 3, log=log + ".npy")
    if [x["loss"] for x in losses(log + ".npy")] != [x["loss"] for x in got]:
        raise AssertionError("the .npy token stream trains differently from the text")
    print("loop: 3 steps equal partita-run's, losses", [round(g["loss"], 4) for g in got])


def uneven_step(work):
    """mlp_step.pir on a 1x4 mesh with a hidden size of 30: shards of 8, 8, 8 and 6 rows,
    so the checkpoint writers must leave out the padding."""
    with open(STEP) as f:
        src = f.read()
    src = src.replace(",32]", ",30]").replace("[32,", "[30,").replace('"data"=2, "model"=2', '"data"=1, "model"=4')
    path = os.path.join(work, "uneven.pir")
    with open(path, "w") as f:
        f.write(src.replace("4096.0", "3840.0"))
    return path


def mode_mpi(bin_dir, work, mpirun):
    global STEP
    data = data_file(work)
    for label, step in (("2x2", STEP), ("1x4 uneven", uneven_step(work))):
        STEP = step
        sim, mpi = os.path.join(work, label + "-sim"), os.path.join(work, label + "-mpi")
        train(bin_dir, data, sim, 4, log=sim + ".log")
        out = train(bin_dir, data, mpi, 4, "--check", mpirun=mpirun, log=mpi + ".log")
        assert out.count("step ") == 4 and re.search(r"^check: .* PASS$", out, re.M), out
        a, b = losses(sim + ".log"), losses(mpi + ".log")
        for x, y in zip(a, b):
            if abs(x["loss"] - y["loss"]) > 1e-5 * abs(x["loss"]) or abs(x["aux_loss"] - y["aux_loss"]) > 1e-5:
                raise AssertionError("%s step %d: simulated %r, mpirun %r" % (label, x["step"], x, y))
        for n in TRAINED:
            u = npyio.read(os.path.join(sim, "step-4", n + ".npy"))[2]
            v = npyio.read(os.path.join(mpi, "step-4", n + ".npy"))[2]
            worst = max(abs(p - q) for p, q in zip(u, v))
            if worst > 1e-5:
                raise AssertionError("%s: %%%s: simulated and mpirun checkpoints differ by %g" % (label, n, worst))
    print("mpi: losses and checkpoints of mpirun -np 4 equal the simulated ones (2x2, uneven 1x4)")


def mode_resume(bin_dir, work, mpirun):
    data = data_file(work)
    for label, mr in (("simulated", None), ("mpirun", mpirun))[:2 if mpirun else 1]:
        whole, split = os.path.join(work, label + "-whole"), os.path.join(work, label + "-split")
        train(bin_dir, data, whole, 6, "--save-every", "1", mpirun=mr, log=whole + ".log")
        train(bin_dir, data, split, 3, "--save-every", "1", mpirun=mr, log=split + ".log")
        out = train(bin_dir, data, split, 6, "--save-every", "1", "--resume", mpirun=mr, log=split + ".log")
        assert "resumed from " in out and "at step 3" in out, out
        a, b = losses(whole + ".log"), losses(split + ".log")
        key = lambda l: [(x["step"], x["loss"], x["aux_loss"]) for x in l]
        if key(a) != key(b):
            raise AssertionError("%s: losses differ:\n%s\n%s" % (label, key(a), key(b)))
        n = same_bytes(os.path.join(whole, "step-6"), os.path.join(split, "step-6"))
        if n:
            raise AssertionError("%s: step-6/%s.npy differs after resuming" % (label, n))
        if sorted(os.listdir(split)) != ["latest", "step-5", "step-6"]:
            raise AssertionError("%s: --keep 2 left %s" % (label, sorted(os.listdir(split))))
    print("resume: 3 + 3 steps equal 6 steps bit for bit, simulated" + (" and under mpirun" if mpirun else ""))


def complete(ckpt):
    """Every published step-<k> directory is whole (meta.json and every full-size array),
    and `latest`, when present, names one of them or the one before the newest (a run killed
    between the two renames). Returns the newest step, 0 when there is none."""
    steps = sorted(int(n[5:]) for n in os.listdir(ckpt) if n.startswith("step-"))
    for k in steps:
        d = os.path.join(ckpt, "step-%d" % k)
        with open(os.path.join(d, "meta.json")) as f:
            assert json.load(f)["step"] == k, d
        for n in TRAINED:
            npyio.read(os.path.join(d, n + ".npy"))  # asserts the size
    latest = os.path.join(ckpt, "latest")
    if os.path.exists(latest) and steps:
        with open(latest) as f:
            named = int(f.read().strip()[5:])
        assert named in steps[-2:], (named, steps)
    return steps[-1] if steps else 0


def mode_kill(bin_dir, work, mpirun):
    data = data_file(work)
    steps = 60
    whole = os.path.join(work, "whole")
    train(bin_dir, data, whole, steps, "--save-every", "1")
    ckpt = os.path.join(work, "ckpt")
    rnd = random.Random(11)
    kills = 0
    cmd = [os.path.join(bin_dir, "partita-train"), STEP, "--data", data, "--steps", str(steps),
           "--seed", "5", "--checkpoint-dir", ckpt, "--save-every", "1", "--simulate"]
    started = lambda: os.path.isdir(ckpt) and complete(ckpt) > 0
    for attempt in range(8):
        p = subprocess.Popen(cmd + (["--resume"] if started() else []), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=ENV)
        time.sleep(rnd.uniform(0.15, 0.8))
        if p.poll() is None:
            p.kill()
            kills += 1
        p.wait()
        if started() and complete(ckpt) == steps:
            break
    must(cmd + (["--resume"] if started() else []))
    assert complete(ckpt) == steps
    n = same_bytes(os.path.join(whole, "step-%d" % steps), os.path.join(ckpt, "step-%d" % steps))
    if n:
        raise AssertionError("after %d kills, %s.npy differs from the uninterrupted run's" % (kills, n))
    print("kill: %d SIGKILLs, every step-<k> directory always whole, final bytes equal" % kills)


def expect_error(cmd, pattern, ckpt=None, mpi=False):
    before = tree_digest(ckpt) if ckpt and os.path.exists(ckpt) else None
    code, out, err = run(cmd, timeout=120)  # a hang fails in 2 minutes, not 10
    # mpirun adds its own paragraph about the exit status; the tool's lines say "error:".
    lines = [l for l in err.splitlines() if l and (not mpi or "error:" in l)]
    if code != 1 or len(lines) != 1 or not re.search(pattern, lines[0]):
        raise AssertionError("%s: exit %d, wanted one line matching %r, got %r" % (" ".join(cmd), code, pattern, err))
    if before is not None and tree_digest(ckpt) != before:
        raise AssertionError("%s changed the checkpoint directory" % " ".join(cmd))


def mode_errors(bin_dir, work, mpirun):
    data = data_file(work)
    ckpt = os.path.join(work, "ckpt")
    train(bin_dir, data, ckpt, 2)
    tool = os.path.join(bin_dir, "partita-train")
    with open(STEP) as f:
        src = f.read()
    variants = {
        # Another model: a wider hidden dimension.
        "wide": (src.replace(",32]", ",48]").replace("[32,", "[48,"),
                 r"meta\.json: error: %emb is f32\[264,32\] in the checkpoint but f32\[264,48\] in the program"),
        # The same shapes, sharded differently.
        "resharded": (src.replace('<@mesh, [{}, {"model"}]>', '<@mesh, [{"model"}, {}]>'),
                      r"meta\.json: error: %emb is sharded .* in the checkpoint but .* in the program"),
    }
    for name, (text, pattern) in variants.items():
        p = os.path.join(work, name + ".pir")
        with open(p, "w") as f:
            f.write(text)
        expect_error([tool, p, "--data", data, "--steps", "4", "--simulate", "--checkpoint-dir", ckpt,
                      "--resume"], pattern, ckpt)
    common = [tool, STEP, "--data", data, "--steps", "4", "--simulate", "--checkpoint-dir"]
    # A fresh run into a directory with checkpoints.
    expect_error(common + [ckpt], r"ckpt: error: holds checkpoints already \(latest step-2\)", ckpt)
    # A truncated array: the error names the file.
    bad = os.path.join(work, "bad")
    shutil.copytree(ckpt, bad)
    path = os.path.join(bad, "step-2", "out.npy")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 100)
    expect_error(common + [bad, "--resume"], r"bad/step-2/out\.npy: error: truncated", bad)
    # A corrupt meta file.
    with open(os.path.join(bad, "step-2", "meta.json"), "w") as f:
        f.write("{\"format\": \"partita-train-checkpoint-1\", \"step\": ")
    expect_error(common + [bad, "--resume"], r"bad/step-2/meta\.json: error: not a valid JSON object", bad)
    # Nothing to resume.
    expect_error(common + [os.path.join(work, "none"), "--resume"], r"none: error: no checkpoint to resume from")
    # A checkpoint directory that is a file: refused before the first step.
    expect_error(common + [data], r"data\.txt: error: cannot create the checkpoint directory \(a file of that name exists\)")
    # Less data than one row.
    short = os.path.join(work, "short.txt")
    with open(short, "w") as f:
        f.write("tiny\n")
    expect_error([tool, STEP, "--data", short, "--steps", "1", "--simulate"],
                 r"short\.txt: error: holds 5 tokens \(with end-of-document ids\), shorter than one row of 16")
    # A log that cannot be opened, or written (ENOSPC): an error, never a short log.
    plain = [tool, STEP, "--data", data, "--steps", "3"]
    expect_error(plain + ["--simulate", "--log", os.path.join(work, "no", "dir.log")],
                 r"no/dir\.log: error: cannot open the log file")
    expect_error(plain + ["--simulate", "--log", "/dev/full"], r"/dev/full: error: write failed")
    if mpirun:
        # Under mpirun every rank finds the bad checkpoint; rank 0 alone reports it.
        expect_error(mpirun + ["-np", "4"] + common[:-2] + ["--checkpoint-dir", bad, "--resume"],
                     r"bad/step-2/meta\.json: error: not a valid JSON object", bad, mpi=True)
        # Only rank 0 writes the log: the others learn of its failure instead of waiting for
        # rank 0 in the next step's collectives (they hung).
        expect_error(mpirun + ["-np", "4"] + plain + ["--log", os.path.join(work, "no", "dir.log")],
                     r"no/dir\.log: error: cannot open the log file", mpi=True)
        expect_error(mpirun + ["-np", "4"] + plain + ["--log", "/dev/full"],
                     r"/dev/full: error: write failed", mpi=True)
    print("errors: located, exit 1, checkpoints untouched")


def mode_learns(bin_dir, work, mpirun):
    data = "/usr/share/common-licenses/GPL-3"
    if not os.path.exists(data):
        data = data_file(work)
    log = os.path.join(work, "log")
    train(bin_dir, data, os.path.join(work, "ckpt"), 200, log=log)
    l = [x["loss"] for x in losses(log)]
    first, last = sum(l[:20]) / 20, sum(l[-20:]) / 20
    if not last < first - 1.0:
        raise AssertionError("the loss did not fall: first 20 steps %.3f, last 20 %.3f" % (first, last))
    print("learns: mean loss %.3f over the first 20 steps, %.3f over the last 20" % (first, last))


def main(argv):
    bin_dir, mode, mpirun = argv[1], argv[2], argv[3:] or None
    work = tempfile.mkdtemp(prefix="partita-train-%s-" % mode)
    try:
        globals()["mode_" + mode](bin_dir, work, mpirun)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
