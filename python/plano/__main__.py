"""`python -m plano` is the `plano` command."""

import sys

from plano.cli import main

sys.exit(main())
