"""python -m graphgrad: print this install's configuration (graphgrad.show_config())."""
import sys

from . import show_config

if len(sys.argv) > 1:
    print("usage: python -m graphgrad   (prints version, build, SIMD path, threads)\n"
          "       python -m graphgrad.dump script.py   (runs script.py, dumping every compiled graph)",
          file=sys.stderr)
    sys.exit(0 if sys.argv[1] in ("-h", "--help") else 2)
show_config()
