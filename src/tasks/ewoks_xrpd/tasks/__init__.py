"""ewoks_xrpd tasks. Each module is light to import; pyFAI/h5py/matplotlib load when a task runs.

- demo: GenerateDemoScan
- geometry: LoadGeometry
- frames: ReadFrames
- scan: IntegrateScan1D, IntegrateScan2D (read + integrate streaming, frame by frame)
- integrate: IntegrateFrames1D, IntegrateFrames2D (frames already in memory)
- chunks: IntegrateChunk1D, IntegrateChunk2D, ConcatenateChunks (data-parallel split of a scan)
- save: SaveNexus, SaveAscii
- plot: PlotPattern
"""
