"""`python scripts/lib/bench ...`: what scripts/bench runs, and how the export benchmark starts its children."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import main

sys.exit(main())
