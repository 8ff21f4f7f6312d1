"""Database access: the declarative base, column types and the session boundary."""

from autofactura.core.db.base import Base
from autofactura.core.db.database import Database

__all__ = ["Base", "Database"]
