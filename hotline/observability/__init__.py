"""What the people who run hotline see: JSON logs with request ids, and Prometheus metrics.

A bottom layer like ``hotline/kit``: it imports no domain and no front end.
"""
