"""Sub-graph files shipped as package data (found with load_options root_module)."""
