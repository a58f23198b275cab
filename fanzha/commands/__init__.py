"""One module per ``fanzha`` sub-command.

Each module defines ``register(subparsers)`` that adds its parser and sets ``func`` to a
callable taking the parsed arguments and returning an exit code. The CLI discovers the modules,
so adding a command means adding a file here.
"""
