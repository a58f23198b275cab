"""The ``fanzha`` command: a thin layer over the domain functions and the Django project."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from fanzha import __version__, commands
from fanzha.errors import UserFacingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fanzha", description="反诈工作台 fanzha — anti-fraud workbench")
    parser.add_argument("--version", action="version", version=f"fanzha {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"fanzha.commands.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserFacingError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        # Input limits should refuse such input first; if one slips through, say so plainly.
        print(
            "错误：内存不足，输入太大，请拆分后再处理\nError: out of memory: the input is too large, split it",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
