from graphgrad import _core
