import os

# Every graph the suite compiles is verify()'d after tracing, after the gradient pass and after
# every optimisation pass (graphgrad reads the switch at each compilation).
os.environ.setdefault("GRAPHGRAD_VERIFY", "1")
