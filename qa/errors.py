"""The error hierarchy: every error names the offending value and what to do."""

from __future__ import annotations


class QAError(Exception):
    """Base class of all errors this package raises on purpose."""


class ConfigError(QAError, ValueError):
    """A setting has a value we do not accept."""


class IngestError(QAError):
    """An input file could not be read or held no article."""


class IndexNotFoundError(QAError, FileNotFoundError):
    """No index exists at the given directory."""


class IndexMismatchError(QAError):
    """The index was built by another format version or encoder than requested."""


class IndexFormatError(IndexMismatchError):
    """The index on disk has a format version this version of qa does not read (rebuild it)."""


class EncoderMismatchError(IndexMismatchError):
    """The index was built with another encoder than the one asked for."""


class ManifestLostError(QAError):
    """``manifest.json`` is missing or garbled, or names a missing generation, while the index
    folder holds generations: the data is there; ``qa index recover`` restores the manifest."""


class IndexCorruptError(QAError):
    """A file of the index is missing, truncated or altered (its checksum differs)."""


class EmptyIndexError(QAError):
    """The operation needs articles but the index holds none."""


class ArticleNotFoundError(QAError, KeyError):
    """No article with that id is indexed."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class RequestError(QAError, ValueError):
    """A question, its top_k or its history is not something we answer (qa.limits)."""
