"""XRPD online with real writers in separate processes (HDF5 SWMR, ZeroMQ): results equal offline ones;
a killed writer and a cancel end the job with complete events and nothing written."""

from __future__ import annotations

import copy
import json
import multiprocessing
import socket
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import numpy as np
import pytest

pytest.importorskip("pyFAI")
pytest.importorskip("zmq")

from ewoks_core.api import execute_graph  # noqa: E402
from ewoks_core.errors import TaskFailedError, WorkflowCancelled  # noqa: E402

from .test_stream_core import assert_complete, events, execinfo  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ONLINE = json.loads((ROOT / "workflows" / "xrpd_online.json").read_text())
POWDER = str(ROOT / "workflows" / "xrpd_powder.json")
NFRAMES = 8
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    from ewoks_xrpd.demo_data import generate_scan

    return generate_scan(tmp_path_factory.mktemp("stream_scan") / "demo_scan.h5", nframes=NFRAMES, seed=3)


@pytest.fixture(scope="module")
def offline(scan: Dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    out = tmp_path_factory.mktemp("offline")
    return execute_graph(POWDER, inputs=gen_inputs(scan, scan["scan_url"], out), outputs=[{"all": True}],
                         merge_outputs=False)["integrate"]


def gen_inputs(scan: Dict[str, str], scan_url: str, out: Path) -> List[dict]:
    monitor_url = scan_url.replace("measurement/pilatus", "measurement/mon")
    values = {"scan_url": scan_url, "monitor_url": monitor_url, "poni_path": scan["poni_path"],
              "mask_path": scan["mask_path"], "output_dir": str(out)}
    return [{"id": "gen", "name": k, "value": v} for k, v in values.items()]


def same_patterns(online: Dict[str, Any], offline: Dict[str, Any]) -> None:
    for name in ("radial", "intensity", "sigma", "monitor"):
        assert np.array_equal(online[name], offline[name]), name
    for name in ("nframes", "start", "stop", "radial_unit"):
        assert online[name] == offline[name], name
    strip = lambda c: {k: v for k, v in c.items() if k not in ("frames_url", "monitor_url")}  # noqa: E731
    assert strip(online["integration_config"]) == strip(offline["integration_config"])


@pytest.fixture
def writer() -> Iterator[List[Any]]:
    started: List[Any] = []
    yield started
    for process in started:
        process.join(30)
        if process.is_alive():
            process.kill()


def start(started: List[Any], target: Any, *args: Any, **kwargs: Any) -> Any:
    process = SPAWN.Process(target=target, args=args, kwargs=kwargs, daemon=True)
    process.start()
    started.append(process)
    return process


ENGINES = [pytest.param(None, {}, id="sequential"), pytest.param("ppf", {}, id="ppf"),
           pytest.param("dask", {"scheduler": "processes", "scheduler_options": {"num_workers": 2}},
                        id="dask-processes", marks=pytest.mark.slow),
           pytest.param("dask", {"scheduler": "cluster", "scheduler_options": {"n_workers": 2}},
                        id="dask-distributed", marks=pytest.mark.slow)]


@pytest.mark.parametrize("engine, options", ENGINES)
def test_hdf5_online_equals_offline(tmp_path: Path, scan: Dict[str, str], offline: Dict[str, Any],
                                    writer: List[Any], engine: Any, options: dict) -> None:
    from ewoks_xrpd.live import replay_scan

    target = tmp_path / "live.h5"
    start(writer, replay_scan, scan["scan_file"], str(target), 20.0, delay=1.0)  # the job starts before the file
    path = tmp_path / "events.jsonl"
    result = execute_graph(ONLINE, engine=engine, inputs=gen_inputs(scan, f"{target}::/1.1/measurement/pilatus",
                                                                    tmp_path / "out"),
                           outputs=[{"all": True}], merge_outputs=False, execinfo=execinfo(path), **options)
    same_patterns(result["stack"], offline)
    assert Path(result["save"]["nexus_path"]).exists() and all(Path(p).exists() for p in result["xy"]["xy_paths"])
    assert Path(result["plot"]["png_path"]).exists()
    assert result["frames"] == {"nitems": NFRAMES}
    assert_complete(events(path))


def free_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


def zmq_workflow(address: str, stall: float = 30.0) -> dict:
    doc = copy.deepcopy(ONLINE)
    for n in doc["nodes"]:
        if n["id"] == "frames":
            n["task_identifier"] = "ewoks_core.stream.zmq.ZmqFrameSource"
            n["default_inputs"] = [{"name": "address", "value": address}, {"name": "stall_timeout", "value": stall}]
    doc["links"] = [lk for lk in doc["links"] if lk["target"] != "frames"]
    return doc


@pytest.mark.parametrize("engine, options", ENGINES[:3])
def test_zmq_online_equals_offline(tmp_path: Path, scan: Dict[str, str], offline: Dict[str, Any],
                                   writer: List[Any], engine: Any, options: dict) -> None:
    from ewoks_xrpd.live import send_scan

    address = free_address()
    start(writer, send_scan, scan["scan_file"], address, 20.0, delay=0.5)
    result = execute_graph(zmq_workflow(address), engine=engine, outputs=[{"all": True}], merge_outputs=False,
                           inputs=gen_inputs(scan, scan["scan_url"], tmp_path / "out"), **options)
    same_patterns(result["stack"], offline)


def test_a_killed_hdf5_writer_ends_the_job_naming_the_source(tmp_path: Path, scan: Dict[str, str],
                                                              writer: List[Any]) -> None:
    from ewoks_xrpd.live import replay_scan

    target = tmp_path / "live.h5"
    start(writer, replay_scan, scan["scan_file"], str(target), 20.0, stop_after=3)
    doc = copy.deepcopy(ONLINE)
    next(n for n in doc["nodes"] if n["id"] == "frames")["default_inputs"] = [{"name": "stall_timeout", "value": 3}]
    path = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(doc, inputs=gen_inputs(scan, f"{target}::/1.1/measurement/pilatus", tmp_path / "out"),
                      execinfo=execinfo(path))
    assert info.value.node_id == "frames" and "3 frame(s) read" in str(info.value)
    assert_complete(events(path))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())  # nothing half-written


def test_a_killed_zmq_sender_ends_the_job_naming_the_source(tmp_path: Path, scan: Dict[str, str],
                                                             writer: List[Any]) -> None:
    from ewoks_xrpd.live import send_scan

    address = free_address()
    start(writer, send_scan, scan["scan_file"], address, 20.0, stop_after=2)
    path = tmp_path / "events.jsonl"
    with pytest.raises(TaskFailedError) as info:
        execute_graph(zmq_workflow(address, stall=3), execinfo=execinfo(path),
                      inputs=gen_inputs(scan, scan["scan_url"], tmp_path / "out"))
    assert info.value.node_id == "frames" and "after 2 frame(s)" in str(info.value)
    assert_complete(events(path))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("engine, options", ENGINES[:2])
def test_a_cancel_during_a_live_scan_stops_source_and_workers(tmp_path: Path, scan: Dict[str, str],
                                                              writer: List[Any], engine: Any, options: dict) -> None:
    from ewoks_xrpd.live import replay_scan

    target = tmp_path / "live.h5"
    start(writer, replay_scan, scan["scan_file"], str(target), 2.0)  # slow: the cancel comes mid-scan
    cancel = threading.Event()
    threading.Timer(3.0, cancel.set).start()
    path = tmp_path / "events.jsonl"
    with pytest.raises(WorkflowCancelled):
        execute_graph(ONLINE, engine=engine, inputs=gen_inputs(scan, f"{target}::/1.1/measurement/pilatus",
                                                               tmp_path / "out"),
                      execinfo=execinfo(path), cancel_event=cancel, **options)
    evts = events(path)
    assert_complete(evts)
    assert [e["error"] for e in evts if e["node_id"] == "frames" and e["type"] == "end"] == [True]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
