"""python -m simulator -> the collectsim command line."""

import sys

from .cli import main

sys.exit(main())
