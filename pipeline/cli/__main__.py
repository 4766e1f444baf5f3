"""``python -m pipeline.cli``: the ``influence`` command line."""

from pipeline.cli import run

if __name__ == "__main__":  # pragma: no cover - console entry point
    run()
