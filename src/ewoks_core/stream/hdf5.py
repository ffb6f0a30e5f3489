"""A stream of the frames of an HDF5 dataset that grows while another process writes it.

The source may start before the file or the dataset exists: it waits for them. It reads with
SWMR when the writer writes with SWMR (h5py `swmr_mode`), and falls back to re-opening the file
between polls otherwise (a writer that flushes, as Bliss does). The stream ends when the scan
group has a non-empty `end_time` dataset (Bliss writes it when the scan ends; a SWMR writer,
which cannot create datasets once in SWMR mode, creates it empty and writes it at the end), after
the frames written until then. Nothing new for `stall_timeout` seconds (a killed writer, a
stalled detector) ends the job with an error naming the source node.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Iterator, Optional, Tuple

from .source import StreamSource, StreamStalled


def split_url(url: Any, node_id: Any) -> Tuple[str, str]:
    """'file.h5::/1.1/measurement/pilatus' -> (file, dataset path)."""
    text = str(url)
    if "::" not in text:
        raise ValueError(f"stream source {node_id!r}: input 'url' must be 'file.h5::/path/to/dataset', got {text!r}")
    path, data_path = text.split("::", 1)
    return os.path.abspath(path), "/" + data_path.lstrip("/")


class Hdf5FrameSource(StreamSource, input_names=["url"],
                      optional_input_names=["monitor_url", "end_path", "stall_timeout", "poll_interval"],
                      output_names=["frame", "index", "monitor", "url"]):
    """Frames of a growing HDF5 dataset, one item per frame (see the module docstring).

    Inputs: url ('scan.h5::/1.1/measurement/pilatus'), monitor_url (optional, a counter of the same
    scan read alongside: '::/1.1/measurement/mon' for the same file), end_path (default: 'end_time'
    in the scan group, the first component of the dataset path), stall_timeout (60 s), poll_interval
    (0.02 s). Outputs per item: frame, index, monitor (None without monitor_url), url."""

    def items(self) -> Iterator[Dict[str, Any]]:
        filename, data_path = split_url(self.inputs.url, self.node_id)
        monitor_path = None
        if self.inputs.monitor_url:
            mfile, monitor_path = split_url(str(self.inputs.monitor_url).replace("::", f"{filename}::", 1)
                                            if str(self.inputs.monitor_url).startswith("::")
                                            else self.inputs.monitor_url, self.node_id)
            if mfile != filename:
                raise ValueError(f"stream source {self.node_id!r}: monitor_url must be in the scan file {filename}")
        scan = "/" + data_path.strip("/").split("/")[0]
        end_path = self.inputs.end_path or f"{scan}/end_time"
        stall = float(self.inputs.stall_timeout or 60.0)
        poll = float(self.inputs.poll_interval or 0.02)
        url = f"{filename}::{data_path}"
        reader = _Reader(filename)
        index = 0
        last_news = time.monotonic()
        try:
            while not self.cancelled:
                if reader.open():
                    frames = reader.dataset(data_path)
                    monitor = reader.dataset(monitor_path) if monitor_path else None
                    ended = reader.ended(end_path)  # before counting: frames written before the end are read
                    available = reader.length(frames)
                    if monitor_path:
                        available = min(available, reader.length(monitor))
                    while index < available:
                        value = None if monitor is None else monitor[index].item()
                        yield {"frame": frames[index], "index": index, "monitor": value, "url": url}
                        index += 1
                        last_news = time.monotonic()
                    if ended:
                        return
                    if not reader.swmr and time.monotonic() - last_news > poll:
                        reader.close()  # not SWMR: re-open to see what the writer flushed
                if time.monotonic() - last_news > stall:
                    what = "the file" if not os.path.exists(filename) else (
                        "the dataset" if index == 0 else "a new frame")
                    raise StreamStalled(
                        f"stream source {self.node_id!r}: waited {stall:g} s for {what} ({url}, {index} frame(s) "
                        f"read, no {end_path!r} yet): the writer stopped or is stalled; raise the source's "
                        "stall_timeout if the scan is slower")
                if not self.wait(poll):
                    return
        finally:
            reader.close()


class _Reader:
    """The scan file as the source sees it: opened when it can be, SWMR when the writer uses SWMR."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.file: Any = None
        self.swmr = False

    def open(self) -> bool:
        """Open the file if it exists and can be read now; True when open."""
        if self.file is not None:
            return True
        if not os.path.exists(self.filename):
            return False
        import h5py

        for swmr in (True, False):
            try:
                self.file = h5py.File(self.filename, "r", swmr=swmr, locking=False)
                self.swmr = swmr
                return True
            except OSError:
                continue  # being created, or not SWMR: try again at the next poll
        return False

    def dataset(self, path: str) -> Any:
        if self.file is None:
            return None
        try:
            return self.file[path]
        except KeyError:
            if self.swmr:  # objects created after the file was opened are only seen after a re-open
                self.close()
            return None

    def length(self, dataset: Any) -> int:
        if dataset is None:
            return 0
        if self.swmr:
            dataset.refresh()
        return int(dataset.shape[0]) if dataset.shape else 1

    def ended(self, path: str) -> bool:
        if self.file is None:
            return False
        try:
            marker = self.file[path]
        except KeyError:
            return False
        if self.swmr:
            marker.refresh()
        return marker.shape == () or int(marker.size) > 0

    def close(self) -> None:
        if self.file is not None:
            try:
                self.file.close()
            finally:
                self.file = None


def end_marker(file: Any, scan: str = "/1.1") -> Optional[Any]:
    """For SWMR writers: create the empty, resizable `end_time` of a scan group before `swmr_mode`
    (write it at the end with `write_end(dataset)`)."""
    import h5py

    return file[scan].create_dataset("end_time", shape=(0,), maxshape=(1,), dtype=h5py.string_dtype())


def write_end(marker: Any, value: str) -> None:
    """Write the end time into a marker made by `end_marker` (the readers' stream ends)."""
    marker.resize((1,))
    marker[0] = value
    marker.file.flush()
