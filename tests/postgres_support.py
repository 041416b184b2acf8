"""Where the tests and the benchmarks find PostgreSQL: the cluster that
$DESKLINE_TEST_DATABASE_URL names (`scripts/postgres run …` starts a throwaway one), and the
URL of another database in it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

URL_VARIABLE = "DESKLINE_TEST_DATABASE_URL"


def database_url(url: str, name: str) -> str:
    """The URL of another database of the same cluster."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
