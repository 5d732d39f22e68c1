"""Runs the Python test modules given (or every tests/python/test_*.py) with
unittest and ends with the line "<label>: N passed, N failed, N skipped".

usage: python3 tests/python/run.py LABEL [DIR] [PATTERN]"""

import sys
import unittest
from pathlib import Path


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "python"
    start = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parent).resolve()
    pattern = sys.argv[3] if len(sys.argv) > 3 else "test_*.py"
    repo = Path(__file__).resolve().parents[2]
    suite = unittest.defaultTestLoader.discover(str(start), pattern=pattern,
                                                top_level_dir=str(repo))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    # Errors of a setUpClass count as failures but belong to no test that ran.
    passed = max(result.testsRun - failed - skipped, 0)
    print(f"{label}: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed or result.testsRun == 0 else 0)


if __name__ == "__main__":
    main()
