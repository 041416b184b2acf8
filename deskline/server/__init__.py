"""The Deskline HTTP server: the Backend protocol over /api/v1, for a team on one database.

`app.create_app` builds the FastAPI application; `run.serve` starts uvicorn. This package's
`__init__` imports nothing heavy, so `schemas` and `tokens` serve the CLI and the remote
backend without FastAPI.
"""
