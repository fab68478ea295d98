"""Another app process for the freshness test: its own engine, sessionmaker and index on the
same database. Reads ``<municipality> <query>`` lines, answers each with the found slugs as a
JSON line.

    python -m tests.search.searching_process <database url>
"""

import json
import sys
from pathlib import Path

from hotline.db import make_engine, make_sessionmaker
from hotline.search import service
from hotline.search.indexing import listen, new_index
from tests.conftest import make_settings


def main(database_url: str) -> None:
    settings = make_settings(database_url, Path("var"))
    engine = make_engine(database_url)
    factory = listen(make_sessionmaker(engine), new_index(settings))
    print(json.dumps("ready"), flush=True)
    for line in sys.stdin:
        code, query = line.rstrip("\n").split(" ", 1)
        with factory() as session:
            result = service.search(session, query, code, log_gap=False)
        print(json.dumps([hit.slug for hit in result.results]), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
