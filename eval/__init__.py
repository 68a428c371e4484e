"""Evaluation of the QA system: the seed question set (data/) and metrics."""
