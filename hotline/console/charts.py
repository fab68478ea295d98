"""Bar charts for the console's report pages: pygal renders SVG on the server (no script, no
CDN), embedded as a data URI; every page shows the same figures in a table beside it."""

import base64
from collections.abc import Sequence

import pygal


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> str | None:
    if not labels:
        return None
    chart = pygal.Bar(
        show_legend=len(series) > 1,
        height=320,
        width=900,
        x_label_rotation=30,
        disable_xml_declaration=False,
    )
    chart.title = title
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return "data:image/svg+xml;base64," + base64.b64encode(chart.render()).decode("ascii")
