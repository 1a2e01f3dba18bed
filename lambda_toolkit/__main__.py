"""``python -m lambda_toolkit``: the same as the ``lambda-toolkit`` command."""

from __future__ import annotations

import sys

from lambda_toolkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
