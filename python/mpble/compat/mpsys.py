"""MicroPython's additions to `sys`."""
import sys
import traceback


def print_exception(exc, file=None):
    """Prints exc with its traceback to file (default sys.stdout, as MicroPython)."""
    traceback.print_exception(type(exc), exc, exc.__traceback__,
                              file=sys.stdout if file is None else file)


def install():
    sys.print_exception = print_exception
