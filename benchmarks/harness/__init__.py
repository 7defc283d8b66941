"""Tollgate's load-benchmark harness (stdlib only; matplotlib optional)."""
