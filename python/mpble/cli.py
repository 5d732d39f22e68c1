"""The `mpble` command: run, multitest, scan, air."""
import argparse
import sys


def _timing_options(parser):
    parser.add_argument("--timing", choices=("real", "fast"), default="real",
                        help="timing of the private air (default real)")
    parser.add_argument("--seed", type=int, help="seed of the private air")


def parser():
    top = argparse.ArgumentParser(prog="mpble", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run MicroPython scripts, each as a device on one air")
    run.add_argument("scripts", nargs="+", metavar="SCRIPT")
    _timing_options(run)
    run.add_argument("--air", metavar="URI",
                     help="an existing controller or air (an MPBLE_HCI value) "
                          "instead of a private air")
    run.add_argument("--timeout", type=float, metavar="S",
                     help="stop every device after S seconds (status 124)")
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        if args.command == "run":
            from mpble import run
            return run.main(args)
    except KeyboardInterrupt:
        return 130
    except (OSError, RuntimeError) as exc:
        print("mpble %s: %s" % (args.command, exc), file=sys.stderr)
        return 1
    return 2
