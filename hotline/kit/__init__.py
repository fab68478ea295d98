"""What several domains share, below all of them: Danish time, text, Markdown, versions."""
