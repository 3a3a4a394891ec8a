"""`python -m beffroi.budgeting count FILE.pb --rule RULE [--json]`."""

import sys

from beffroi.budgeting.cli import main

sys.exit(main())
