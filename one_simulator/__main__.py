"""``python -m one_simulator``."""

import sys

from .cli import main

sys.exit(main())
