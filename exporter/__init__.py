"""Exporter: gathers the kept embedding rows and writes smaller encoder and preprocess SavedModels."""
