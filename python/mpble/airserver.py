"""`mpble air [OPTION ...]`: the air server in the foreground, logging at info level
unless told otherwise; every option goes to mpble-air as it is (see
`mpble air --help`)."""
import os

from mpble.air import binary


def main(options):
    argv = [binary()]
    if not any(a.startswith("--log-level") for a in options):
        argv += ["--log-level", "info"]
    os.execv(argv[0], argv + options)
