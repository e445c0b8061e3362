"""Dagster wiring: the only place that connects the layers."""
