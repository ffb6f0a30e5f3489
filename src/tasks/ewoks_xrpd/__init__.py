"""ewoks_xrpd: X-ray powder diffraction tasks (pyFAI azimuthal integration) for ewoks_core workflows.

Tasks live in :mod:`ewoks_xrpd.tasks` (list them with ``ewoks tasks ewoks_xrpd``). Importing this
package or its task modules is cheap: pyFAI, h5py, fabio and matplotlib are only imported when a
task runs. Helpers with heavy imports live in private modules (``ewoks_xrpd._*``).

Typical chain: :class:`~ewoks_xrpd.tasks.demo.GenerateDemoScan` (optional) ->
:class:`~ewoks_xrpd.tasks.scan.IntegrateScan1D` (reads and integrates frame by frame) ->
:class:`~ewoks_xrpd.tasks.save.SaveNexus` -> :class:`~ewoks_xrpd.tasks.plot.PlotPattern`.
"""

DEFAULT_METHOD = ("bbox", "csc", "cython")
"""pyFAI integration method used when the input 'method' is not given (measured faster than
pyFAI's own default ("bbox", "csr", "cython") on a Pilatus1M, see benchmarks/bench_xrpd.py)."""

__all__ = ["DEFAULT_METHOD"]
