"""The ewoks Orange canvas: main window, workflow runs, .ows/JSON/YAML documents (`ewoks canvas`)."""
