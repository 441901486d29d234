"""The CPU as show_config() and every benchmark script name it: brand, family, model,
microarchitecture and caches. Standard library only, so that bench/ can load this file without a
built graphgrad.

A VM's brand string can say no more than "AMD EPYC", which covers Zen 4 (AVX-512 on 256-bit
halves: about 115 GFLOP/s float32 a core on the project's machines) and Zen 5 (full 512-bit:
about 225), and a session once took one for the other. The family and model tell them apart, and
the caches say which of the kernels' blocking assumptions hold (Zen 4 has 32 KiB of L1d, Zen 5 48).
"""
import glob
import platform

# (vendor, family) -> [(first model, last model, microarchitecture)], the ones this project has
# met or neighbours of them; others print family and model only.
_KNOWN = {
    ("AuthenticAMD", 25): [(0x00, 0x0F, "Zen 3"), (0x10, 0x1F, "Zen 4"), (0x20, 0x5F, "Zen 3"),
                           (0x60, 0x7F, "Zen 4"), (0xA0, 0xAF, "Zen 4")],
    ("AuthenticAMD", 26): [(0x00, 0xFF, "Zen 5")],
    ("GenuineIntel", 6): [(0x55, 0x55, "Skylake-SP or Cascade Lake"), (0x6A, 0x6C, "Ice Lake-SP"),
                          (0x8F, 0x8F, "Sapphire Rapids"), (0xCF, 0xCF, "Emerald Rapids")],
}


def _cpuinfo():
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break  # the first processor's block is enough
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def _caches():
    """'L1d 32 KiB, L2 1024 KiB, L3 32768 KiB' for the first CPU, from sysfs."""
    def read(path):
        with open(path) as f:
            return f.read().strip()

    out = []
    for d in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            level, kind, size = (read(f"{d}/{n}") for n in ("level", "type", "size"))
        except OSError:
            continue
        if kind != "Instruction":
            out.append(f"L{level}{'d' if kind == 'Data' else ''} {size.replace('K', ' KiB')}")
    return ", ".join(out)


def cpu_name():
    """E.g. 'AMD EPYC (family 25 model 17: Zen 4; L1d 32 KiB, L2 1024 KiB, L3 32768 KiB)'."""
    try:
        info = _cpuinfo()
    except OSError:  # not Linux
        return platform.processor() or platform.machine()
    name = info.get("model name", platform.processor() or platform.machine())
    try:
        family, model = int(info["cpu family"]), int(info["model"])
    except (KeyError, ValueError):
        return name
    arch = next((a for lo, hi, a in _KNOWN.get((info.get("vendor_id"), family), []) if lo <= model <= hi), None)
    detail = f"family {family} model {model}" + (f": {arch}" if arch else "")
    caches = _caches()
    return f"{name} ({detail}{'; ' + caches if caches else ''})"
