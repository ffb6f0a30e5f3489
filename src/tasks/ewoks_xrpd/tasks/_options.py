"""Input names shared by the integration tasks (no heavy imports here)."""

INTEGRATION_OPTIONS = (
    "npt",                  # radial points (default 1000 in 1D, 500 in 2D)
    "unit",                 # radial unit, pyFAI name (default "q_nm^-1"; "2th_deg", "q_A^-1", "d_A", "r_mm")
    "mask",                 # extra mask (non-zero = masked): path (EDF/CBF/TIFF/.npy/HDF5 URL) or array;
                            # combined with the detector's own mask (module gaps)
    "dark",                 # dark image: path or array (a 3D HDF5 dataset is averaged)
    "flat",                 # flat-field image: path or array
    "polarization_factor",  # -1..1 (0.99 for a horizontally polarized synchrotron beam); default: none
    "error_model",          # "poisson" (default), "azimuthal", "hybrid" or "none"
    "method",               # pyFAI method, e.g. ["bbox", "csc", "cython"] (default) or "bbox_csr_cython"
    "radial_range",         # [min, max] in `unit`
    "azimuth_range",        # [min, max] in degrees
    "correct_solid_angle",  # default True
    "monitor_reference",    # intensities are divided by monitor / monitor_reference (default 1)
)
INTEGRATION_OPTIONS_2D = INTEGRATION_OPTIONS + ("npt_azim",)  # azimuthal bins of the cake (default 360)

RESULT_1D = ("radial", "intensity", "sigma", "radial_unit", "nframes", "start", "stop", "monitor", "frames_url",
             "integration_config")
RESULT_2D = RESULT_1D + ("azimuthal", "azimuthal_unit")

OPTIONS_DOC = """
    Integration options (all optional): npt, unit ("q_nm^-1"), mask, dark, flat, polarization_factor,
    error_model ("poisson"), method (["bbox", "csc", "cython"]), radial_range, azimuth_range,
    correct_solid_angle (True), monitor_reference (1): see ewoks_xrpd.tasks._options.
"""
