"""`python -m autofactura` is the `autofactura` command."""

import sys

from autofactura.cli import main

sys.exit(main())
