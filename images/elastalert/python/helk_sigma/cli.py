"""`helk-sigma convert --rules DIR [--rules DIR ...] --out DIR --report FILE`.
Exit 0: every rule converted; 2: at least one refused (the others are written); 1: usage error
or crash, with the message on stderr. stdout carries only the report's path."""

import argparse
import sys
import traceback
from pathlib import Path

from .convert import convert


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # argparse exits 2 on a usage error; 2 means "some rules refused" here.
        self.print_usage(sys.stderr)
        print(f"helk-sigma: {message}", file=sys.stderr)
        sys.exit(1)


def parse(argv):
    parser = Parser(prog="helk-sigma", description="Convert Sigma rules into ElastAlert 2 rules over HELK's indices.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    c = sub.add_parser("convert", help="convert every *.yml/*.yaml under the --rules folders")
    c.add_argument("--rules", action="append", required=True, type=Path, help="a folder of Sigma rules (HELK's first, then the user's)")
    c.add_argument("--out", required=True, type=Path, help="the ElastAlert rules folder to write")
    c.add_argument("--report", required=True, type=Path, help="where to write the JSON report")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    for folder in args.rules:
        if not folder.is_dir():
            print(f"helk-sigma: --rules {folder} is not a folder", file=sys.stderr)
            return 1
    if not args.out.is_dir():
        print(f"helk-sigma: --out {args.out} is not a folder (create it, writable by uid 1000)", file=sys.stderr)
        return 1
    try:
        code = convert(args.rules, args.out, args.report)
    except OSError as e:
        print(f"helk-sigma: {e}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - the one boundary: a bug, with its trace on stderr
        traceback.print_exc()
        return 1
    print(args.report)
    return code


if __name__ == "__main__":
    sys.exit(main())
