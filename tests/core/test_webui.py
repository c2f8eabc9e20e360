"""The built web console as a browser sees it: files, cache headers, compression, fallback."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthnet.config import get_settings

INDEX = b'<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script></head><body><div id="app"></div></body></html>'  # noqa: E501
H5 = b"<!doctype html><html><body><div id='h5'></div></body></html>"
APP_JS = b"console.log('healthnet console');\n" * 200


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "h5.html").write_bytes(H5)
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00icon")
    (root / "assets" / "app-3f2a1b.js").write_bytes(APP_JS)
    (root / "assets" / "app-3f2a1b.js.gz").write_bytes(gzip.compress(APP_JS))
    (root / "assets" / "app-3f2a1b.js.br").write_bytes(b"brotli-bytes")
    (root / "assets" / "style-9c8d7e.css").write_bytes(b"body{margin:0}")
    # Outside the build: must never be reachable.
    (tmp_path / "secret.txt").write_text("SECRET master key")
    monkeypatch.setattr(get_settings(), "web_dist_dir", root)
    return root


def test_assets_are_cached_for_a_year(client: TestClient, dist: Path) -> None:
    r = client.get("/assets/style-9c8d7e.css")
    assert r.status_code == 200
    assert r.content == b"body{margin:0}"
    assert r.headers["content-type"].startswith("text/css")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in r.headers and "vary" not in r.headers


def test_precompressed_sibling_is_served_when_accepted(client: TestClient, dist: Path) -> None:
    r = client.get("/assets/app-3f2a1b.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["content-type"].startswith("text/javascript")
    assert int(r.headers["content-length"]) == (dist / "assets/app-3f2a1b.js.gz").stat().st_size
    assert r.content == APP_JS  # the client decompresses it back to the original

    with client.stream(
        "GET", "/assets/app-3f2a1b.js", headers={"accept-encoding": "gzip, br;q=0.9"}
    ) as streamed:
        assert streamed.headers["content-encoding"] == "br"
        assert b"".join(streamed.iter_raw()) == b"brotli-bytes"


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0, br;q=0", "deflate", ""])
def test_uncompressed_when_the_client_does_not_accept_it(
    client: TestClient, dist: Path, accept: str
) -> None:
    r = client.get("/assets/app-3f2a1b.js", headers={"accept-encoding": accept})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.content == APP_JS


def test_missing_asset_is_404_not_the_page(client: TestClient, dist: Path) -> None:
    r = client.get("/assets/app-000000.js")
    assert r.status_code == 404
    assert b"<html" not in r.content


@pytest.mark.parametrize("path", ["/", "/system/params", "/orgs/institutions/abc", "/apiary"])
def test_console_routes_get_the_console_page(client: TestClient, dist: Path, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.content == INDEX
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


@pytest.mark.parametrize("path", ["/h5", "/h5/", "/h5/records/2024"])
def test_resident_pages_get_the_h5_page(client: TestClient, dist: Path, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.content == H5
    assert r.headers["cache-control"] == "no-cache"


def test_other_files_of_the_build_are_served(client: TestClient, dist: Path) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.content == b"\x00\x00\x01\x00icon"
    assert r.headers["cache-control"] == "no-cache"


def test_page_revalidation_answers_304(client: TestClient, dist: Path) -> None:
    first = client.get("/")
    etag = first.headers["etag"]
    again = client.get("/system/users", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    (dist / "index.html").write_bytes(INDEX + b"<!-- new build -->")
    changed = client.get("/", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.content.endswith(b"<!-- new build -->")


def test_head_of_the_page(client: TestClient, dist: Path) -> None:
    r = client.head("/")
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["content-length"]) == len(INDEX)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api",
        "/fhir/R4/Nothing",
        "/oidc/nothing",
        "/.well-known/nothing",
        "/dicomweb/studies",
    ],
)
def test_server_paths_are_never_the_console(client: TestClient, dist: Path, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "route_not_found"


def test_routes_still_win_and_keep_their_405(client: TestClient, dist: Path) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/.well-known/openid-configuration")
    assert r.status_code == 200 and "issuer" in r.json()
    # A known path with the wrong method stays a 405, not a page.
    assert client.delete("/api/v1/orgs/districts").status_code == 405
    # Writes to console paths are not pages either.
    r = client.post("/system/params", json={})
    assert r.status_code in (404, 405) and b"<html" not in r.content


def test_api_responses_are_not_compressed(client: TestClient, dist: Path) -> None:
    r = client.get("/healthz", headers={"accept-encoding": "gzip, br"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers


@pytest.mark.parametrize(
    "path",
    [
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/assets/..%5c..%5csecret.txt",
        "/assets/%00%2f..%2f..%2fsecret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/h5/..%2f..%2fsecret.txt",
        "/assets/leak.txt",
    ],
)
def test_no_path_leaves_the_build_directory(client: TestClient, dist: Path, path: str) -> None:
    # A symbolic link inside the build that points outside it is refused too.
    (dist / "assets" / "leak.txt").symlink_to(dist.parent / "secret.txt")
    r = client.get(path)
    assert b"SECRET" not in r.content
    assert r.status_code in (200, 404)
    if path.startswith("/assets/"):
        assert r.status_code == 404
    else:
        assert r.content in (INDEX, H5)


def test_without_a_build_the_page_says_how_to_build_it(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "web_dist_dir", tmp_path / "no-such-dist")
    for path in ("/", "/system/params", "/h5"):
        r = client.get(path)
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("text/html")
        assert "前端尚未构建" in r.text and "make run" in r.text
    assert client.get("/assets/app-3f2a1b.js").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_relative_dist_dir_is_taken_from_the_project_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from healthnet.config import ROOT
    from healthnet.core.webui.files import dist_dir

    monkeypatch.setattr(get_settings(), "web_dist_dir", Path("web/dist"))
    assert dist_dir() == ROOT / "web" / "dist"
