"""One device: `python -m mpble.device SCRIPT [ARG ...]` installs the MicroPython
compatibility names and runs SCRIPT as `__main__` with sys.argv = [SCRIPT, ARG ...]
and the script's folder first on sys.path (as `python SCRIPT` would); the script
and the modules of its folder in MicroPython's dialect (mpble.compat.programs).
A KeyboardInterrupt ends it quietly with status 130."""
import os
import sys

import mpble.compat
from mpble.compat import programs


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: python -m mpble.device SCRIPT [ARG ...]")
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # -m put the cwd there
    mpble.compat.install()
    try:
        programs.run_main(script)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
