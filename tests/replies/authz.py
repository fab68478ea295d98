from tests.authz import Case, Role, Target, Visibility, roles


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

READS = {
    "/api/v1/replies": Visibility.OWN_ROWS,
    "/api/v1/replies/{reply_id}": Visibility.OWN_ROWS,
}
