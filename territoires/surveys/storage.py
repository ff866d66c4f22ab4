"""The survey module's private files (exports) use the platform's private storage (territoires/core/storage.py)."""

from territoires.core.storage import PrivateStorage

__all__ = ["PrivateStorage"]
