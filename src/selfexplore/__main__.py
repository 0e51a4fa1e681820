"""`python -m selfexplore` is the same as the `selfexplore` command."""

import sys

from selfexplore.cli import main

sys.exit(main())
