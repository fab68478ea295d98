"""What several domains share, below all of them: Danish time, text, Markdown, versions,
the CPR guard, e-mail domains, Danish money, signed links, Danish CSV. Imports nothing from
the domains."""
