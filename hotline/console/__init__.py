"""The web console at /console: server-rendered pages in Danish, made lively with htmx."""
