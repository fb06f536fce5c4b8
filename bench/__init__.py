"""Benchmarks for ``make bench``. Each ``bench/bench_*.py`` module has ``run(quick: bool)``
returning ``Measurement``s; ratios are measured within one run because this machine is shared
and absolute times vary."""
