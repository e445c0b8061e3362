"""The Feast feature repo: entity, sources, feature views and one feature service per model."""
