"""Storage: Parquet tables, DuckDB views, and the notebook API (`open_warehouse`)."""

from __future__ import annotations

from typing import Any

__all__ = ["NoWarehouse", "QueryRefused", "open_warehouse", "query_df", "table_df", "view_df"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import warehouse.schema` in worker processes does not pay for DuckDB.
    if name in __all__:
        from warehouse import api

        return getattr(api, name)
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")
