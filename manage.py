#!/usr/bin/env python
"""Django's manage.py, for habits; `beffroi` is the same thing."""

from beffroi.cli import main

if __name__ == "__main__":
    main()
