"""Small cross-cutting pieces every domain may use; imports nothing from the domains."""
