"""ewoks_server: `ewoks serve`, a REST API with ewoksserver's paths plus a job API, live event streams
and a web monitor (static files, no build step), in one process.

    pip install 'ewoks_core[server]'
    ewoks serve --port 8000 --data-dir ./ewoks-data

Python: `ewoks_server.app.create_app(ServerConfig(...))` returns the FastAPI application.
"""
