"""`python -m mpble ...`: the `mpble` command."""
import sys

from mpble.cli import main

sys.exit(main())
