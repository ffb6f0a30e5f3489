"""Lazy, validated access to detector frames and counters in HDF5 scans (h5py), and to auxiliary
images (mask, dark, flat) in EDF/CBF/TIFF (fabio), .npy or HDF5 files."""

from __future__ import annotations

import os
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import h5py
import numpy as np

from ._urls import URL_EXAMPLE, did_you_mean, missing_file_error, split_url


def open_h5(path: str, input_name: str) -> h5py.File:
    """Open an HDF5 file read-only (without file locking, so scans being written can be read)."""
    if not os.path.exists(path):
        raise missing_file_error(path, input_name)
    if os.path.isdir(path):
        raise ValueError(f"input {input_name!r}: {path!r} is a folder, not an HDF5 file")
    if not h5py.is_hdf5(path):
        raise ValueError(f"input {input_name!r}: {path!r} is not an HDF5 file (expected a URL like {URL_EXAMPLE})")
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # old HDF5 without the locking option
        return h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"input {input_name!r}: cannot open HDF5 file {path!r}: {e}") from None


def list_datasets(group: h5py.Group, min_ndim: int = 0, limit: int = 40) -> List[str]:
    """Absolute paths of the datasets under `group` (every link name, images first)."""
    found: List[Tuple[int, str]] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and obj.ndim >= min_ndim:
            found.append((-min(obj.ndim, 2), group.name.rstrip("/") + "/" + name))

    visitor = getattr(group, "visititems_links", None)
    if visitor is not None:
        def visit_link(name: str, link: Any) -> None:
            try:
                obj = group.get(name)
            except (KeyError, OSError):
                return
            visit(name, obj)
        visitor(visit_link)
    else:
        group.visititems(visit)
    return [name for _, name in sorted(set(found))][:limit]


def get_dataset(h5file: h5py.File, data_path: Optional[str], input_name: str, min_ndim: int = 0) -> h5py.Dataset:
    """The dataset at `data_path`; a missing path gets an error listing what exists."""
    filename = os.path.basename(h5file.filename)
    if data_path is None:
        raise ValueError(f"input {input_name!r}: no dataset path given for {filename}; expected a URL like "
                         f"{URL_EXAMPLE}. Datasets in {filename}: {list_datasets(h5file, min_ndim)}")
    try:
        obj = h5file.get(data_path)
    except (KeyError, OSError) as e:  # broken soft or external link
        raise ValueError(f"input {input_name!r}: cannot read {data_path!r} in {filename}: {e}") from None
    if obj is None:
        available = list_datasets(h5file, min_ndim)
        raise ValueError(f"input {input_name!r}: dataset {data_path!r} not found in {filename}; available: "
                         f"{available}.{did_you_mean(data_path, available)}".rstrip("."))
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"input {input_name!r}: {data_path!r} in {filename} is a group, not a dataset; datasets in "
                         f"it: {list_datasets(obj, min_ndim)}")
    return obj


def resolve_range(start: Any, stop: Any, nframes: int, source: str) -> Tuple[int, int]:
    """Validate a frame range [start, stop) (None = from the first / to the last frame)."""
    for name, value in (("start", start), ("stop", stop)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
            raise ValueError(f"input {name!r} must be an integer frame index, got {value!r}")
    first = 0 if start is None else int(start)
    last = nframes if stop is None else int(stop)
    if not 0 <= first < last <= nframes:
        raise ValueError(f"inputs 'start'/'stop': frame range [{first}, {last}) is empty or outside the "
                         f"{nframes} frames of {source} (valid: 0 <= start < stop <= {nframes})")
    return first, last


def chunk_range(chunk_index: Any, nchunks: Any, nframes: int) -> Tuple[int, int]:
    """Frame range [start, stop) of chunk `chunk_index` when `nframes` are split in `nchunks` even chunks.

    A chunk may be empty (start == stop) when there are fewer frames than chunks.
    """
    for name, value in (("chunk_index", chunk_index), ("nchunks", nchunks)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"input {name!r} must be an integer, got {value!r}")
    if nchunks < 1 or not 0 <= chunk_index < nchunks:
        raise ValueError(f"inputs 'chunk_index'/'nchunks': need 0 <= chunk_index < nchunks, got {chunk_index} "
                         f"and {nchunks}")
    return chunk_index * nframes // nchunks, (chunk_index + 1) * nframes // nchunks


def check_finite(frame: np.ndarray, index: int, input_name: str, source: str) -> None:
    """Raise if a floating-point frame has NaN or inf pixels (integer frames cannot)."""
    if frame.dtype.kind not in "fc":
        return
    if np.isfinite(frame.sum()):  # cheap: NaN/inf propagate through the sum
        return
    bad = ~np.isfinite(frame)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"input {input_name!r}: frame {index} of {source} has {int(bad.sum())} NaN/inf pixels "
                         f"(first at row {row}, column {col}); mask them or fix the acquisition")


class FrameStack:
    """Frames of a 3D stack (or a single 2D image) in an HDF5 file, read lazily frame by frame.

    Validates on open: file and dataset exist, 2D/3D, not empty, frame shape equals `expected_shape`.
    Use as a context manager; `iter_frames(start, stop)` yields (index, frame) one at a time.
    """

    def __init__(self, url: Any, input_name: str = "frames_url", expected_shape: Optional[Sequence[int]] = None,
                 detector_name: str = "the detector") -> None:
        self.input_name = input_name
        self.filename, self.data_path = split_url(url, input_name)
        self.url = f"{self.filename}::{self.data_path}"
        self._file = open_h5(self.filename, input_name)
        try:
            self._dset = get_dataset(self._file, self.data_path, input_name, min_ndim=2)
            shape = self._dset.shape
            if len(shape) not in (2, 3):
                raise ValueError(f"input {input_name!r}: dataset {self.data_path!r} in "
                                 f"{os.path.basename(self.filename)} has shape {shape}; expected a stack of "
                                 "images (nframes, rows, columns) or one image (rows, columns). Image datasets: "
                                 f"{list_datasets(self._file, 2)}")
            self._single = len(shape) == 2
            self.nframes = 1 if self._single else int(shape[0])
            self.frame_shape = tuple(int(n) for n in shape[-2:])
            self.dtype = self._dset.dtype
            if self.nframes == 0 or 0 in self.frame_shape:
                raise ValueError(f"input {input_name!r}: dataset {self.data_path!r} in "
                                 f"{os.path.basename(self.filename)} is empty (shape {shape}): the scan recorded "
                                 "no images")
            if self._dset.dtype.kind not in "iufb":
                raise ValueError(f"input {input_name!r}: dataset {self.data_path!r} has dtype {self._dset.dtype}, "
                                 "not numbers")
            if expected_shape is not None and tuple(expected_shape) != self.frame_shape:
                raise ValueError(f"input {input_name!r}: frames of {self.url} have shape {self.frame_shape} but "
                                 f"{detector_name} expects {tuple(expected_shape)}; check the detector in the "
                                 "geometry (input 'poni') or the dataset path")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "FrameStack":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the HDF5 file."""
        f = getattr(self, "_file", None)
        if f is not None:
            f.close()
            self._file = None

    @property
    def h5file(self) -> h5py.File:
        """The open HDF5 file (to read counters of the same scan)."""
        return self._file

    def read(self, index: int, check: bool = True) -> np.ndarray:
        """Frame `index` as a new array."""
        frame = self._dset[()] if self._single else self._dset[index]
        if check:
            check_finite(frame, index, self.input_name, self.url)
        return frame

    def read_range(self, start: int, stop: int, check: bool = True) -> np.ndarray:
        """Frames [start, stop) as one 3D array (use only for ranges that fit in memory)."""
        out = np.empty((stop - start,) + self.frame_shape, dtype=self.dtype)
        for i in range(start, stop):
            out[i - start] = self.read(i, check)
        return out

    def iter_frames(self, start: int = 0, stop: Optional[int] = None, check: bool = True
                    ) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield (index, frame) for frames [start, stop).

        Frames are read one HDF5 chunk at a time (one frame for the usual per-frame chunking), so a
        compressed chunk is decompressed once and memory holds at most one chunk (<= 256 MiB).
        """
        stop = self.nframes if stop is None else stop
        block = self.block_size()
        first = start
        while first < stop:
            last = min((first // block + 1) * block, stop)  # aligned with the HDF5 chunks
            if self._single:
                frames = self._dset[()][np.newaxis]
            elif last - first == 1:
                frames = self._dset[first][np.newaxis]
            else:
                frames = self._dset[first:last]
            for k, frame in enumerate(frames):
                if check:
                    check_finite(frame, first + k, self.input_name, self.url)
                yield first + k, frame
            first = last

    def block_size(self, max_bytes: int = 256 * 2**20) -> int:
        """Frames read at once: the dataset's chunk length along the frame axis, within `max_bytes`."""
        chunks = None if self._single else self._dset.chunks
        if not chunks or chunks[0] <= 1:
            return 1
        frame_bytes = self.frame_shape[0] * self.frame_shape[1] * self.dtype.itemsize
        return max(1, min(int(chunks[0]), max_bytes // max(frame_bytes, 1)))


def read_counter(url: Any, input_name: str, nframes: int, default_file: Optional[str] = None,
                 h5file: Optional[h5py.File] = None) -> np.ndarray:
    """A per-frame counter (monitor) as float64 array of length `nframes`; values must be finite and > 0.

    `url` is 'file.h5::/1.1/measurement/mon', '::/1.1/measurement/mon' (same file as the frames), or a
    sequence of numbers. `h5file` is reused when the counter is in the already open frames file.
    """
    if isinstance(url, (list, tuple, np.ndarray)):
        values = np.asarray(url, dtype=np.float64).ravel()
        source = f"the {len(values)} values given"
    else:
        if isinstance(url, str) and url.startswith("/") and default_file and "::" not in url \
                and not os.path.exists(url):
            url = "::" + url
        filename, data_path = split_url(url, input_name, default_file)
        same = h5file is not None and os.path.abspath(filename) == os.path.abspath(h5file.filename)
        f = h5file if h5file is not None and same else open_h5(filename, input_name)
        try:
            dset = get_dataset(f, data_path, input_name)
            if dset.dtype.kind not in "iuf":
                raise ValueError(f"input {input_name!r}: {data_path!r} has dtype {dset.dtype}, not numbers")
            values = np.asarray(dset[()], dtype=np.float64).ravel()
        finally:
            if not same:
                f.close()
        source = f"{filename}::{data_path}"
    if len(values) != nframes:
        raise ValueError(f"input {input_name!r}: {source} has {len(values)} values but the scan has {nframes} "
                         "frames; give the counter of the same scan")
    bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
    if bad.size:
        raise ValueError(f"input {input_name!r}: {source} is zero, negative or not finite at frame(s) "
                         f"{bad[:10].tolist()} (value {values[bad[0]]}); cannot normalize by it")
    return values


def load_image(value: Any, input_name: str, expected_shape: Optional[Sequence[int]] = None) -> Optional[np.ndarray]:
    """An auxiliary image (mask, dark, flat) from an array, .npy, EDF/CBF/TIFF (fabio) or HDF5 URL.

    A 3D HDF5 dataset (e.g. a series of darks) is averaged over its first axis. None -> None.
    """
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        filename, data_path = split_url(value, input_name)
        if data_path is not None or (os.path.exists(filename) and h5py.is_hdf5(filename)):
            with open_h5(filename, input_name) as f:
                data = np.asarray(get_dataset(f, data_path, input_name, min_ndim=2)[()])
        elif not os.path.exists(filename):
            raise missing_file_error(filename, input_name)
        elif filename.endswith(".npy"):
            data = np.load(filename)
        else:
            import fabio

            try:
                data = fabio.open(filename).data
            except Exception as e:
                raise ValueError(f"input {input_name!r}: cannot read image {filename!r} (EDF, CBF, TIFF, .npy or "
                                 f"HDF5 URL expected): {type(e).__name__}: {e}") from None
        if data.ndim == 3:
            data = data.mean(axis=0)
    else:
        data = np.asarray(value)
    if data.ndim != 2:
        raise ValueError(f"input {input_name!r}: expected a 2D image, got shape {data.shape}")
    if expected_shape is not None and data.shape != tuple(expected_shape):
        raise ValueError(f"input {input_name!r}: image shape {data.shape} does not match the detector shape "
                         f"{tuple(expected_shape)}")
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        raise ValueError(f"input {input_name!r}: image has NaN/inf pixels")
    return data
