"""ewoks_xas: EXAFS tasks (xraylarch) for ewoks_core workflows.

Modules stay cheap to import (larch is imported inside functions), so
``ewoks tasks ewoks_xas`` lists the tasks quickly. Data pass between tasks as
plain dicts of numpy arrays ("spectrum" dicts), never larch Groups.

- :mod:`ewoks_xas.demo_data`: realistic Cu K-edge demo scans (FEFF6 chi(k) + edge background + counter noise)
- :mod:`ewoks_xas.io`: read mu(E) from ASCII columns or HDF5 scans
- :mod:`ewoks_xas.processing`: merge, normalise (pre_edge), background (autobk), Fourier transform (xftf)
- :mod:`ewoks_xas.nexus`, :mod:`ewoks_xas.plot`: NeXus and PNG outputs
- :mod:`ewoks_xas.tasks`: the ewoks Task classes
"""

__all__ = ["CU_K_EDGE"]

CU_K_EDGE = 8979.0
"""Cu K-edge energy in eV."""
