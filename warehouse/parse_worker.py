"""Start-up of parse worker processes.

The local process pool uses the forkserver start method with this module preloaded: the fork
server imports it once, loading the gazetteer, topic and entity lexicons, and every worker forked
from it starts with them in memory instead of re-reading them.
"""

from __future__ import annotations

import gc
import importlib.abc
import sys

import pyarrow as pa

import transforms.formats.html  # noqa: F401  (trafilatura and lxml: about 2 s to import)
import transforms.formats.warc  # noqa: F401
from transforms.entities import extract_entities
from transforms.mentions import extract_mentions
from transforms.normalize import detect_language
from transforms.sources import source_country
from transforms.topics import LEXICON_LANGUAGES, load_language_lexicon, score_topics
from warehouse.ingest import ingest_batch
from warehouse.memory import use_system_allocator


def warm_up() -> None:
    """Load the lazily built matchers and the language model now, in the fork server, not once
    per worker."""
    extract_mentions("Talks in Seoul", "Officials from Japan met.")
    score_topics("Talks in Seoul", "Officials from Japan met.")
    for language in LEXICON_LANGUAGES:
        load_language_lexicon(language)
    source_country("https://news.example/a", "Korea Herald")
    extract_entities("Talks in Seoul", "Foreign Minister Park Yoon-joo met Marco Rubio.", [])
    detect_language("Talks in Seoul", "Officials from Japan met on Monday.")


def keep_pandas_out() -> None:
    """Make pyarrow settle, once, that this process has no pandas.

    pyarrow's first `pa.array` over a Python list imports pandas to ask whether the list is a
    pandas object: 0.2 s of CPU and 35 MB in every worker, which never uses pandas. With that one
    import refused, pyarrow records pandas as absent for its type checks (it still imports pandas
    when asked for a pandas conversion), and the module stays importable for any other code.
    """
    if "pandas" in sys.modules:
        return  # already loaded here: nothing to save
    finder = _RefusePandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(finder)


class _RefusePandas(importlib.abc.MetaPathFinder):
    """An import finder under which `import pandas` fails."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"no {name} in parse workers", name=name)
        return None


keep_pandas_out()
use_system_allocator()  # each batch's tables are freed after sending: return them to the OS
warm_up()
# The loaded lexicons, gazetteer and models live as long as the process: keep them out of the
# garbage collector's passes, which otherwise walk them again and again while a batch allocates.
gc.collect()
gc.freeze()

__all__ = ["ingest_batch", "keep_pandas_out", "warm_up"]
