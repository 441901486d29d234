import sys

from graphgrad.dump import main

sys.exit(main())
