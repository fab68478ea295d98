from tests.authz import Case, Role, Target, roles


def _send_reply(target: Target) -> tuple[str, dict]:
    return "/api/v1/replies", {
        "json": {
            "municipality": target.municipality,
            "to": "borger@example.dk",
            "subject": "Svar på dit spørgsmål",
            "body_markdown": "Tak for din henvendelse.",
        }
    }


CASES = [
    Case("POST", "/api/v1/replies", allowed_anywhere=roles(Role.AGENT), build=_send_reply),
]
