"""Small cross-cutting pieces below every domain (no domain imports here)."""
