"""Build real wheels of tiny pure-Python distributions (zipfile: no build backend, no network) and install them."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Optional


def build_wheel(folder: Path, name: str, version: str, files: Dict[str, str],
                entry_points: Optional[Dict[str, Dict[str, str]]] = None) -> Path:
    """A PEP 427 wheel `name-version-py3-none-any.whl` in `folder` holding `files` (path -> text) and the
    entry points {group: {name: value}}."""
    dist_info = f"{name}-{version}.dist-info"
    contents = dict(files)
    contents[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    contents[f"{dist_info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: ewoks_core-tests\nRoot-Is-Purelib: true\n"
                                      "Tag: py3-none-any\n")
    if entry_points:
        contents[f"{dist_info}/entry_points.txt"] = "".join(
            f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in items.items()) + "\n"
            for group, items in entry_points.items())
    record = []
    for path, text in contents.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
    return wheel


def pip_env() -> dict:
    """Environment for pip in tests: never ask the index whether pip is up to date."""
    return dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")


def install_into_folder(wheel: Path, target: Path) -> Path:
    """`pip install --target`: the distribution installed in a folder to put on sys.path / PYTHONPATH."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, env=pip_env(), timeout=300)
    return target


def make_venv(folder: Path) -> Path:
    """A throwaway virtual environment (with pip); returns its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder / "bin" / "python"
