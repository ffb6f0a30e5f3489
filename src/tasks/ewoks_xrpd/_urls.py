"""Data URLs: 'file.h5::/1.1/measurement/pilatus' (also 'silx:file.h5?path=/1.1/...')."""

from __future__ import annotations

import os
from typing import Optional, Tuple

from ewoks_core.errors import did_you_mean

URL_EXAMPLE = "'scan.h5::/1.1/measurement/pilatus'"


def split_url(url: object, input_name: str, default_file: Optional[str] = None) -> Tuple[str, Optional[str]]:
    """Split a data URL into (file path, dataset path or None).

    A URL that starts with '::' or '/' (and is not an existing file) refers to `default_file`.
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"input {input_name!r} must be a data URL like {URL_EXAMPLE}, got {url!r}")
    text = url.strip()
    if text.startswith("silx:"):
        text = text[5:]
        if text.startswith("//"):
            text = text[2:]
        if "?path=" in text:
            text = text.replace("?path=", "::", 1)
        elif "?" in text:
            text = text.replace("?", "::", 1)
    data_path: Optional[str]
    if "::" in text:
        filename, _, path_part = text.partition("::")
        data_path = path_part.strip() or None
        if data_path and not data_path.startswith("/"):
            data_path = "/" + data_path
    else:
        filename, data_path = text, None
    if not filename:
        if default_file is None:
            raise ValueError(f"input {input_name!r}: {url!r} names no file; expected a URL like {URL_EXAMPLE}")
        filename = default_file
    return filename, data_path


def missing_file_error(path: str, input_name: str) -> FileNotFoundError:
    """A FileNotFoundError naming the input, with the nearest file names of that folder."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(folder):
        hint = did_you_mean(os.path.basename(path), os.listdir(folder))
    else:
        hint = f" Folder {folder!r} does not exist."
    return FileNotFoundError(f"input {input_name!r}: file {path!r} not found.{hint}")


def output_basename(frames_url: object, default: str = "integrated") -> str:
    """A file-name stem for the outputs of a scan: 'scan_1.1' for 'scan.h5::/1.1/measurement/pilatus'."""
    if not isinstance(frames_url, str) or not frames_url:
        return default
    try:
        filename, data_path = split_url(frames_url, "frames_url")
    except ValueError:
        return default
    stem = os.path.splitext(os.path.basename(filename))[0] or default
    if data_path:
        first = data_path.strip("/").split("/")[0]
        if first and first != data_path.strip("/"):
            stem += "_" + first
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in stem)


def resolve_output(output_file: object, output_dir: object, frames_url: object, suffix: str) -> str:
    """The output path: `output_file` if given, else output_dir/<scan stem><suffix>."""
    if isinstance(output_file, (str, os.PathLike)) and os.fspath(output_file):
        return os.path.abspath(os.fspath(output_file))
    if isinstance(output_dir, (str, os.PathLike)) and os.fspath(output_dir):
        return os.path.abspath(os.path.join(os.fspath(output_dir), output_basename(frames_url) + suffix))
    raise ValueError("give input 'output_file' or 'output_dir' (where to write the results)")
