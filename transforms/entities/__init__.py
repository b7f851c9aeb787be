"""Persons and organizations named in an article: see extract.py for the method."""

from transforms.entities.extract import extract_entities
from transforms.entities.lexicons import load_lexicons

__all__ = ["extract_entities", "load_lexicons"]
