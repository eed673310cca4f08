"""benchlib.py: the few pure-Python pieces bench/run's scripts share (no third-party
imports, so both Debian's python and the JAX virtualenv can load it): T5's relative
position bucket of partita-glam's attention, and the bytes a collective puts on the wire."""
import math


def relative_position_bucket(n, buckets=32, max_distance=128):
    """T5's unidirectional bucket of a query n >= 0 tokens after its key (Glam.cpp)."""
    n = max(n, 0)
    max_exact = buckets // 2
    if n < max_exact:
        return n
    large = math.log(n / max_exact) / math.log(max_distance / max_exact) * (buckets - max_exact)
    return min(max_exact + int(large), buckets - 1)


def wire_bytes(kind, operand, n):
    """Bytes one device sends for a collective of `operand` bytes over a group of n, with
    ring or pairwise algorithms (the partitioner's cost model, passes/Reshard.h)."""
    if n <= 1:
        return 0
    return {"all_reduce": 2 * (n - 1) / n * operand, "all_gather": (n - 1) * operand,
            "reduce_scatter": (n - 1) / n * operand, "all_to_all": (n - 1) / n * operand,
            "collective_permute": operand}[kind]
