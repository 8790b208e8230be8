"""``python -m starcoach`` runs the command-line interface."""

import sys

from starcoach.cli import main

sys.exit(main())
