"""The baseline of ``benchmarks/request_cost.py``: FastAPI with nothing of hotline in it.

uvicorn --factory benchmarks.bare_fastapi:create_app
"""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/sync")
    def bare_sync() -> dict[str, str]:
        """What hotline's ``/health`` was: a sync endpoint (one thread-pool hop)."""
        return {"status": "ok"}

    @app.get("/async")
    async def bare_async() -> dict[str, str]:
        """The floor: no thread-pool hop at all."""
        return {"status": "ok"}

    return app
