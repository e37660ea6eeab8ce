"""``python -m conformance``: the ``occi-conformance`` command."""

import sys

from conformance.cli import main

sys.exit(main())
