"""Where the time goes: each kernel of each compiled graph, timed in C++ over its last N calls.

    with graphgrad.profile() as prof:       # prints the report when the block ends
        for _ in range(100):
            grad_fn(x, y, w, b)
    prof.save_chrome_trace("trace.json")    # open in https://ui.perfetto.dev or chrome://tracing

    GRAPHGRAD_PROFILE=1 python script.py           the same report on stderr at exit
    GRAPHGRAD_PROFILE=trace.json python script.py  ... and the Chrome trace written there

The report is the dump of each graph that ran (the plan, as GRAPHGRAD_DUMP's ``final`` stage),
each kernel's line prefixed with its mean time per call, its share of the graph's time, the
bytes it reads and writes, and the rate achieved: GFLOP/s for matmuls, GB/s for the rest. Then
the top kernels over all graphs. Eager ops (outside grad/value_and_grad/jit) are not timed.
"""
import atexit
import json
import os
import re
import sys
from typing import IO, Any, Dict, List, Optional

from . import _core

_LINE = re.compile(r"^\s+(%[\w.]+) = ")


def _fmt_time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def _fmt_bytes(b: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= scale:
            return f"{b / scale:.1f} {unit}"
    return f"{b:.0f} B"


def _rate(step: Dict[str, Any], ns: float) -> str:
    if ns <= 0:
        return ""
    if step["flops"]:
        return f"{step['flops'] / ns:.2f} GFLOP/s"
    return f"{step['bytes'] / ns:.2f} GB/s"


def _location(text_line: str) -> str:
    return text_line.split("# ", 1)[1].strip() if "# " in text_line else ""


class Profile:
    """What one ``graphgrad.profile()`` block recorded (see the module's doc)."""

    def __init__(self, plans: List[Dict[str, Any]], top: int = 10):
        self.plans = plans
        self.top = top
        for p in plans:  # mean ns per call of each kernel, over the calls kept
            n = len(p["last"])
            for i, s in enumerate(p["steps"]):
                s["mean_ns"] = sum(c["step_ns"][i] for c in p["last"]) / n if n else 0.0
            p["mean_ns"] = sum(s["mean_ns"] for s in p["steps"])

    def annotated(self, plan: Dict[str, Any]) -> str:
        """The plan's dump with each kernel's time, share, bytes and rate in front of its line."""
        by_value = {s["value"]: s for s in plan["steps"]}
        total = plan["mean_ns"] or 1.0
        width = 44
        out = [f"{'time/call':>10} {'share':>6} {'bytes':>9} {'rate':>15} | "
               f"{plan['name']}: {plan['calls']} calls, the last {len(plan['last'])} timed; "
               f"{_fmt_time(plan['mean_ns'])} per call in kernels"]
        for line in plan["text"].splitlines():
            m = _LINE.match(line)
            s = by_value.get(m.group(1)) if m else None
            if s is None:
                out.append(" " * width + "| " + line)
            else:
                out.append(f"{_fmt_time(s['mean_ns']):>10} {100 * s['mean_ns'] / total:5.1f}% "
                           f"{_fmt_bytes(s['bytes']):>9} {_rate(s, s['mean_ns']):>15} | {line}")
        return "\n".join(out)

    def top_kernels(self, n: Optional[int] = None) -> List[Dict[str, Any]]:
        """The kernels that took the most time over the calls kept, across all graphs."""
        rows = []
        for p in self.plans:
            lines = {m.group(1): line for line in p["text"].splitlines() if (m := _LINE.match(line))}
            for s in p["steps"]:
                total = s["mean_ns"] * len(p["last"])
                rows.append(dict(s, graph=p["name"], total_ns=total, line=lines.get(s["value"], "")))
        rows.sort(key=lambda r: -r["total_ns"])
        return rows[: n or self.top]

    def report(self) -> str:
        if not self.plans:
            return "graphgrad profile: no compiled graph ran (eager ops are not timed)"
        parts = [self.annotated(p) for p in self.plans]
        grand = sum(r["total_ns"] for r in self.top_kernels(10**9)) or 1.0
        top = [f"top kernels (share of all kernel time recorded, {_fmt_time(grand)}):"]
        for i, r in enumerate(self.top_kernels(), 1):
            top.append(f"{i:3d}. {100 * r['total_ns'] / grand:5.1f}%  {_fmt_time(r['mean_ns']):>10}/call  "
                       f"{_rate(r, r['mean_ns']):>15}  {r['op']} {r['value']} in {r['graph']}"
                       + (f"  # {_location(r['line'])}" if _location(r["line"]) else ""))
        return "\n\n".join(parts + ["\n".join(top)])

    def chrome_trace(self) -> Dict[str, Any]:
        """The recorded calls as Chrome trace events (one slice per call, one per kernel)."""
        starts = [c["start_ns"] for p in self.plans for c in p["last"]]
        t0 = min(starts) if starts else 0
        threads: Dict[int, int] = {}
        pid = os.getpid()
        events: List[Dict[str, Any]] = [{"name": "process_name", "ph": "M", "pid": pid,
                                         "args": {"name": "graphgrad"}}]
        for p in self.plans:
            lines = {m.group(1): line for line in p["text"].splitlines() if (m := _LINE.match(line))}
            for c in p["last"]:
                tid = threads.setdefault(c["thread"], len(threads) + 1)
                ts = (c["start_ns"] - t0) / 1e3
                events.append({"name": p["name"], "cat": "graph", "ph": "X", "pid": pid, "tid": tid, "ts": ts,
                               "dur": sum(c["step_ns"]) / 1e3})
                for s, ns in zip(p["steps"], c["step_ns"]):
                    events.append({"name": f"{s['op']} {s['value']}", "cat": "kernel", "ph": "X", "pid": pid,
                                   "tid": tid, "ts": ts, "dur": ns / 1e3,
                                   "args": {"graph": p["name"], "bytes": s["bytes"], "flops": s["flops"],
                                            "rate": _rate(s, ns), "ir": lines.get(s["value"], "").strip()}})
                    ts += ns / 1e3
        return {"traceEvents": events, "displayTimeUnit": "ns"}

    def save_chrome_trace(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.chrome_trace(), f)


class profile:
    """Context manager: times every kernel of every compiled graph that runs inside the block,
    keeping each graph's last ``last`` calls; prints the report to ``file`` at the end (unless
    ``file`` is None) and writes a Chrome trace to ``trace`` if given. ``.result`` is the
    Profile. Profiling is process-wide: calls on other threads are timed too."""

    def __init__(self, last: int = 100, top: int = 10, file: Optional[IO[str]] = sys.stderr,
                 trace: Optional[str] = None):
        if isinstance(last, bool) or not isinstance(last, int) or last < 1:
            raise ValueError(f"profile: last must be a positive int, got {last!r}")
        self.last, self.top, self.file, self.trace = last, top, file, trace
        self.result: Optional[Profile] = None

    def __enter__(self) -> "profile":
        if _core._profile_enabled():
            raise RuntimeError("graphgrad.profile: already profiling (blocks do not nest, and GRAPHGRAD_PROFILE "
                               "profiles the whole run)")
        _core._profile_reset()
        _core._profile_start(self.last)
        return self

    def __exit__(self, *exc) -> None:
        _core._profile_stop()
        self.result = Profile(_core._profile_snapshot(), self.top)
        _core._profile_reset()
        if self.file is not None:
            print(self.result.report(), file=self.file)
        if self.trace:
            self.result.save_chrome_trace(self.trace)

    def __getattr__(self, name: str) -> Any:  # prof.report(), prof.save_chrome_trace(...) after the block
        if name.startswith("_") or self.__dict__.get("result") is None:
            raise AttributeError(name)
        return getattr(self.result, name)


def _from_environment() -> None:
    setting = os.environ.get("GRAPHGRAD_PROFILE", "")
    if setting in ("", "0"):
        return
    block = profile(last=int(os.environ.get("GRAPHGRAD_PROFILE_LAST", "100")),
                    trace=setting if setting.endswith(".json") else None)
    block.__enter__()
    atexit.register(block.__exit__, None, None, None)
