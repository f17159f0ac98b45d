"""CLI command modules: each exposes ``register(app)`` and is mounted by :mod:`pitchlens.cli`."""
