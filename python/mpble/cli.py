"""The `mpble` command: run, multitest, scan, air."""
import argparse
import os
import sys

from mpble import air


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

    multi = sub.add_parser("multitest", help="run MicroPython multi-instance test files")
    multi.add_argument("files", nargs="+", metavar="FILE")
    _timing_options(multi)
    multi.add_argument("--snoop", metavar="DIR", help="a btsnoop capture per instance in DIR")
    multi.add_argument("--timeout", type=float, default=30.0, metavar="S",
                       help="seconds a test may take (default 30)")
    multi.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                       help="files run in parallel, each on its own air")

    scan = sub.add_parser("scan", help="list the devices in range")
    scan.add_argument("--time", type=float, default=3.0, metavar="S",
                      help="scan S seconds, then list (default 3)")
    scan.add_argument("--live", action="store_true",
                      help="print devices as they are heard, until Ctrl-C")
    scan.add_argument("--passive", action="store_true", help="no scan requests")
    scan.add_argument("--air", metavar="URI", help="the controller (an MPBLE_HCI value)")

    # Listed for --help only: main() hands everything after "air" to mpble-air.
    sub.add_parser("air", add_help=False,
                   help="the air server in the foreground (options as mpble-air's)")
    return top


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:  # the air the bluetooth module starts on demand is the one we found
        os.environ.setdefault("MPBLE_AIR_BIN", air.binary())
    except FileNotFoundError:
        pass
    if argv[:1] == ["air"]:
        from mpble import airserver
        return airserver.main(argv[1:])
    args = parser().parse_args(argv)
    try:
        if args.command == "run":
            from mpble import run
            return run.main(args)
        if args.command == "multitest":
            from mpble import multitest
            return multitest.main(args)
        if args.command == "scan":
            from mpble import scan
            return scan.main(args)
    except KeyboardInterrupt:
        return 130
    except (OSError, RuntimeError) as exc:
        print("mpble %s: %s" % (args.command, exc), file=sys.stderr)
        return 1
    return 2
