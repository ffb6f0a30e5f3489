"""A stream of frames received on a ZeroMQ PULL (or SUB) socket, and the sender's side.

Wire format (no pickle): each message is multipart [header, buffer]; the header is JSON
{"type": "frame", "index": i, "dtype": "int32", "shape": [rows, cols], ...} followed by the raw
frame bytes (C order); any other header keys (e.g. "monitor") are passed on. The stream ends with
a one-part message {"type": "end"}. Nothing received for `stall_timeout` s ends the job with an
error naming the source node.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterator

import numpy as np

from .source import StreamSource, StreamStalled


class ZmqFrameSource(StreamSource, input_names=["address"],
                     optional_input_names=["socket_type", "bind", "stall_timeout", "poll_interval", "hwm"],
                     output_names=["frame", "index", "monitor", "header"]):
    """Frames from a ZeroMQ socket, one item per frame (see the module docstring).

    Inputs: address ('tcp://host:port'), socket_type ('PULL' or 'SUB'; default PULL), bind (False:
    connect to the detector's socket), stall_timeout (60 s), poll_interval (0.05 s), hwm (receive
    high-water mark, 4 messages: a slow consumer makes the sender wait). Outputs per item: frame,
    index, monitor (the header's 'monitor', or None), header."""

    def items(self) -> Iterator[Dict[str, Any]]:
        import zmq

        kind = str(self.inputs.socket_type or "PULL").upper()
        if kind not in ("PULL", "SUB"):
            raise ValueError(f"stream source {self.node_id!r}: input 'socket_type' must be 'PULL' or 'SUB', "
                             f"got {kind!r}")
        stall = float(self.inputs.stall_timeout or 60.0)
        poll_ms = int(1000 * float(self.inputs.poll_interval or 0.05))
        context: Any = zmq.Context.instance()
        socket: Any = context.socket(zmq.PULL if kind == "PULL" else zmq.SUB)
        socket.setsockopt(zmq.RCVHWM, int(self.inputs.hwm or 4))
        socket.setsockopt(zmq.LINGER, 0)
        if kind == "SUB":
            socket.setsockopt(zmq.SUBSCRIBE, b"")
        try:
            if self.inputs.bind:
                socket.bind(str(self.inputs.address))
            else:
                socket.connect(str(self.inputs.address))
            last = time.monotonic()
            count = 0
            while not self.cancelled:
                if not socket.poll(poll_ms):
                    if time.monotonic() - last > stall:
                        raise StreamStalled(f"stream source {self.node_id!r}: nothing received on "
                                            f"{self.inputs.address} for {stall:g} s after {count} frame(s) (no "
                                            "end-of-stream message): the sender stopped or is stalled")
                    continue
                parts = socket.recv_multipart(copy=False)
                last = time.monotonic()
                header = _header(parts[0].bytes, self.node_id)
                if header.get("type") == "end":
                    return
                if len(parts) != 2:
                    raise ValueError(f"stream source {self.node_id!r}: a frame message has 2 parts (JSON header, "
                                     f"raw buffer), got {len(parts)}")
                frame = np.frombuffer(parts[1].buffer, dtype=np.dtype(header["dtype"])).reshape(header["shape"])
                count += 1
                yield {"frame": frame, "index": int(header.get("index", count - 1)),
                       "monitor": header.get("monitor"), "header": header}
        finally:
            socket.close(linger=0)


def _header(raw: bytes, node_id: Any) -> Dict[str, Any]:
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"stream source {node_id!r}: a message header is not JSON") from None
    if not isinstance(header, dict) or header.get("type") not in ("frame", "end"):
        raise ValueError(f"stream source {node_id!r}: a message header must be a JSON object with type 'frame' or "
                         "'end'")
    if header["type"] == "frame" and not ("dtype" in header and "shape" in header):
        raise ValueError(f"stream source {node_id!r}: a frame header needs 'dtype' and 'shape'")
    return header


def send_frame(socket: Any, index: int, frame: np.ndarray, **meta: Any) -> None:
    """Send one frame (a PUSH or PUB socket): JSON header + raw buffer (no pickle)."""
    frame = np.ascontiguousarray(frame)
    header = {"type": "frame", "index": int(index), "dtype": frame.dtype.str, "shape": list(frame.shape), **meta}
    # copied into libzmq's own message (~1 ms for a Pilatus1M frame): a zero-copy send (copy=False) made the
    # sender abort with libzmq's "Bad address (src/tcp.cpp:227)" once in a full test run under load
    socket.send_multipart([json.dumps(header).encode(), frame.data])


def send_end(socket: Any) -> None:
    """Send the end-of-stream message."""
    socket.send_multipart([json.dumps({"type": "end"}).encode()])
