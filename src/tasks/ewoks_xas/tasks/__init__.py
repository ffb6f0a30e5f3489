"""ewoks Task classes of ewoks_xas (EXAFS processing with xraylarch).

- :class:`ewoks_xas.tasks.demo.GenerateDemoSpectra`: simulated Cu K-edge scans (if missing)
- :class:`ewoks_xas.tasks.read.ReadSpectra`: mu(E) from ASCII columns or HDF5 counters
- :class:`ewoks_xas.tasks.exafs.MergeSpectra`, :class:`~ewoks_xas.tasks.exafs.Normalize`,
  :class:`~ewoks_xas.tasks.exafs.AutoBackground`, :class:`~ewoks_xas.tasks.exafs.FourierTransform`
- :class:`ewoks_xas.tasks.output.SaveNexus`, :class:`ewoks_xas.tasks.output.PlotExafs`
"""
