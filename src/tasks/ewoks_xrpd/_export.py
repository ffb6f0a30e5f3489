"""ASCII export: one two/three-column .xy file per frame, written into a folder.

The folder may exist and hold other files: they are kept. An .xy file of the same name is
replaced only when ewoks_xrpd wrote it (its '# creator: ewoks_xrpd' header line); the .xy files
of the same scan that ewoks_xrpd wrote there earlier are replaced as a set (frames of the earlier
run that this one does not write are removed). Every file is written under a temporary name
first and renamed once all are complete.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping

import numpy as np

from ewoks_core.persistence.atomic import default_file_mode
from ewoks_core.persistence.overwrite import check_replaceable, text_marker, written_by

from ._io import CREATOR, prepare_folder
from ._nexus import axis_name_units


def write_xy(folder: str, result: Mapping[str, Any], stem: str, input_name: str = "output_folder") -> List[str]:
    """Write `stem_<frame>.xy` files (radial, intensity[, sigma]) to `folder` and return their paths."""
    radial = np.asarray(result["radial"])
    intensity = np.asarray(result["intensity"])
    if intensity.ndim == 1:
        intensity = intensity[np.newaxis]
    if intensity.ndim != 2 or intensity.shape[1] != radial.shape[0]:
        raise ValueError(f"inputs 'intensity' {intensity.shape} and 'radial' {radial.shape} do not match: .xy files "
                         "need 1D patterns (nframes, npt)")
    sigma = result.get("sigma")
    sigma = None if sigma is None else np.asarray(sigma).reshape(intensity.shape)
    monitor = result.get("monitor")
    name, units = axis_name_units(result.get("radial_unit"))
    start = int(result.get("start") or 0)
    columns = f"{name}({units})  intensity" + ("  sigma" if sigma is not None else "")
    config = result.get("integration_config") or {}
    texts: Dict[str, str] = {}
    for k in range(len(intensity)):
        index = start + k
        header = [text_marker(CREATOR),
                  f"ewoks_xrpd 1D integration ({config.get('program', 'pyFAI')} {config.get('version', '')})",
                  f"source: {result.get('frames_url') or ''}", f"frame: {index}"]
        if monitor is not None:
            header.append(f"monitor: {float(monitor[k])}")
        header.append(columns)
        table = np.column_stack([radial, intensity[k]] + ([sigma[k]] if sigma is not None else []))
        buf = io.StringIO()
        np.savetxt(buf, table, fmt="%.7g", header="\n".join(header))
        texts[f"{stem}_{index:04d}.xy"] = buf.getvalue()
    return _write_files(Path(folder), texts, stem, input_name)


def _write_files(folder: Path, texts: Dict[str, str], stem: str, input_name: str) -> List[str]:
    """Write all files or none; never replace or remove a file ewoks_xrpd did not write."""
    prepare_folder(folder, input_name)
    for filename in texts:  # everything is checked before anything is written
        check_replaceable(folder / filename, CREATOR, input_name)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    temporary: Dict[str, str] = {}
    try:
        for filename, text in texts.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".tmp", dir=folder)
            temporary[filename] = tmp
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, default_file_mode())
        for filename, tmp in temporary.items():
            os.replace(tmp, folder / filename)
    except BaseException:
        for tmp in temporary.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
        if created and not any(folder.iterdir()):
            folder.rmdir()
        raise
    _remove_earlier_frames(folder, set(texts), stem)
    return [str(folder / filename) for filename in texts]


def _remove_earlier_frames(folder: Path, keep: set, stem: str) -> None:
    """.xy files of the same scan that ewoks_xrpd wrote in an earlier run (other frames than this one)."""
    pattern = re.compile(re.escape(stem) + r"_\d{4,}\.xy")
    for path in folder.iterdir():
        if path.name not in keep and pattern.fullmatch(path.name) and path.is_file() and not path.is_symlink() \
                and written_by(path, CREATOR):
            path.unlink()
