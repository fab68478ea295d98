"""The ``knowledge_base/`` folder <-> the database: ``reader`` checks the folder, ``sync``
applies it through the knowledge service, ``export`` writes the database back."""

from hotline.knowledge.files.export import export_folder
from hotline.knowledge.files.reader import read_folder
from hotline.knowledge.files.sync import sync_folder

__all__ = ["export_folder", "read_folder", "sync_folder"]
