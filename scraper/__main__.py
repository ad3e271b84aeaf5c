"""`python -m scraper` runs the command line."""

import sys

from scraper.cli import main

sys.exit(main())
