"""``python -m pipeline``: the ``influence`` command line."""

from pipeline.entry import main

if __name__ == "__main__":  # pragma: no cover - console entry point
    main()
