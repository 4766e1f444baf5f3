"""Tables in and out: :mod:`pipeline.export.files` reads and writes them (Parquet first,
CSV and JSON for people; every write atomic), :mod:`pipeline.export.formats` holds the
column formats (money, rates, spreadsheet-safe cells) that display and CSV share.

The names below are the public ones; ``from pipeline.export import write_table`` works
as before the split.
"""

from __future__ import annotations

from pipeline.export.files import (
    TABLE_FORMATS,
    atomic_path,
    ensure_folder,
    is_io_error,
    open_atomic_text,
    read_table,
    table_format,
    write_table,
)
from pipeline.export.formats import format_money, is_money, is_rate, spreadsheet_safe

__all__ = [
    "TABLE_FORMATS",
    "atomic_path",
    "ensure_folder",
    "format_money",
    "is_io_error",
    "is_money",
    "is_rate",
    "open_atomic_text",
    "read_table",
    "spreadsheet_safe",
    "table_format",
    "write_table",
]
