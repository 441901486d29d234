"""See every graph the compiler makes, at every stage.

    GRAPHGRAD_DUMP=DIR python script.py       each compilation writes its stages into DIR as
                                               NN_<stage>_<fn>.ir and .dot (and .svg when
                                               Graphviz's `dot` is installed), and logs a line
    python -m graphgrad.dump script.py [args]  runs script with dumping into ./graphgrad_dump
    graphgrad.dump.trace(fn, *args, ...)       the graph that runs, for example arguments
    grad_fn.stages(*args)                      every stage, as (name, graph) pairs

A graph's str() is its text IR, one node a line with the user's source line; to_dot() is DOT.
"""
import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
import time

_lock = threading.Lock()
_compiled = {}  # fn name -> compilations dumped so far in this process


def _signature(key):
    parts = []
    for entry in key:
        if isinstance(entry[0], tuple):  # a tensor: (shape, dtype code)
            shape, code = entry
            parts.append(("f32" if code == 0 else "f64") + "[" + ",".join(map(str, shape)) + "]")
        else:
            parts.append(repr(entry[1]))
    return ", ".join(parts)


def on_compile(name, key, stages, seconds):
    """Called after each compilation; writes the stages when GRAPHGRAD_DUMP is set."""
    out_dir = os.environ.get("GRAPHGRAD_DUMP")
    if not out_dir:
        return
    os.makedirs(out_dir, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    with _lock:
        n = _compiled[stem] = _compiled.get(stem, 0) + 1
    if n > 1:  # the same function compiled again for another signature
        stem = f"{stem}_{n}"
    dot = shutil.which("dot")
    files = []
    for i, (stage, graph) in enumerate(stages, 1):
        base = os.path.join(out_dir, f"{i:02d}_{stage}_{stem}")
        with open(base + ".ir", "w") as f:
            f.write(str(graph))
        with open(base + ".dot", "w") as f:
            f.write(graph.to_dot())
        if dot:
            subprocess.run([dot, "-Tsvg", base + ".dot", "-o", base + ".svg"], capture_output=True, check=False)
        files.append(os.path.basename(base) + ".ir")
    print(f"graphgrad: compiled {name}({_signature(key)}) in {seconds * 1e3:.2f} ms -> {out_dir}: "
          + ", ".join(files), file=sys.stderr)


def trace(fn, *args, grad_position=None, weights=None, has_aux=False):
    """Compiles fn for these example arguments and returns the graph that runs (after every pass,
    with its memory plan): fn's forward graph when no grad options are given, else the graph
    that computes fn's value and gradients."""
    from .._grad import grad, jit

    f = jit(fn) if grad_position is None and weights is None else grad(fn, grad_position, weights, has_aux)
    return f.stages(*args)[-1][1]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m graphgrad.dump script.py [args...]\n"
              "Runs script.py with GRAPHGRAD_DUMP=./graphgrad_dump and lists the graphs it wrote.")
        return 0 if argv else 2
    out_dir = os.path.abspath("graphgrad_dump")
    os.environ["GRAPHGRAD_DUMP"] = out_dir
    script = argv[0]
    start = time.time()
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        written = sorted(f for f in os.listdir(out_dir) if os.path.getmtime(os.path.join(out_dir, f)) >= start - 1) \
            if os.path.isdir(out_dir) else []
        print(f"\ngraphgrad.dump: {len(written)} files in {out_dir}", file=sys.stderr)
        for f in written:
            print(f"  {f}", file=sys.stderr)
    return 0
