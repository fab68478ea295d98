"""The ``knowledge_base/`` folder <-> the database (moved into a package; split next)."""

from hotline.knowledge.files.reader import export_folder, read_folder, sync_folder

__all__ = ["export_folder", "read_folder", "sync_folder"]
