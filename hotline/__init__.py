"""hotline: the shared out-of-hours contact centre of Danish municipalities."""
