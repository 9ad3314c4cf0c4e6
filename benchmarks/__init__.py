"""Benchmarks of cnnviz, each against a reference measured in the same run; their server and timing helpers."""
