#!/usr/bin/env python3
"""Entry point: ``python run.py COMMAND`` (score, serve, demo, export, verify).  See README.md."""

import sys

from judging.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
