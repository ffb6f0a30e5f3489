"""The vendored front-end files are the ones recorded (version, SHA-256, licence) in VERSIONS.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import ewoks_server

STATIC = Path(ewoks_server.__file__).parent / "static"


def test_vendored_files_match_their_record() -> None:
    record = json.loads((STATIC / "vendor" / "VERSIONS.json").read_text())
    for library in record["libraries"]:
        data = (STATIC / "vendor" / library["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == library["sha256"], library["name"]
        assert library["license"] == "MIT" and (STATIC / "vendor" / library["license_file"]).is_file()
        for bundled in library.get("bundled", ()):
            assert (STATIC / "vendor" / bundled["license_file"]).is_file()
    pages = {p.name for p in STATIC.glob("*.html")}
    assert pages == {"index.html", "job.html", "start.html"}
    for page in pages:  # every script and stylesheet a page loads is in the package (no CDN, no build)
        html = (STATIC / page).read_text()
        for ref in [part.split('"')[0] for part in html.split('src="')[1:]] + \
                   [part.split('"')[0] for part in html.split('href="')[1:] if part.split('"')[0].endswith(".css")]:
            assert (STATIC / ref).is_file(), (page, ref)
