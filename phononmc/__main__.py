"""``python -m phononmc``: the same as the ``phononmc`` command."""

from phononmc.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
