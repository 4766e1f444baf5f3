"""influence-pipeline: choose influencers by simulating spread through a follower graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("influence-pipeline")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
