"""Stage 6, build: the glue. `build()` calls the stages in order, runs each run's job on every core,
keeps the incremental-build bookkeeping (no other stage knows a cache exists) and is the only code
that writes output. Also `check` (validate without building).

- pipeline.py: `build` (the stages as a list of calls), `BuildReport`
- runs.py: every run from the cache or the workers; run_job.py: one run's read, analysis and figures
- incremental.py: `Incremental`, the build's books: what the last build made, what may be skipped
- cache.py, cache_keys.py, datacodec.py, last_build.py: what those books are kept in
- parallel.py: worker processes; collector.py: how often the garbage collector runs meanwhile
- progress.py: the progress bar
- writer.py: writes the site; site_swap.py: swaps it in for the previous one and undoes a killed
  build; file_reuse.py: links files the previous site holds unchanged
- output_lock.py: one build at a time per output folder
- output_paths.py: guards on where output may go
- check.py: `reportgen check`

May import: reportgen.errors, reportgen.model, reportgen.manifest, reportgen.readers, reportgen.analysis,
reportgen.figures, reportgen.site. Only cli.py and serve.py import reportgen.build.
"""

from reportgen.build.pipeline import BuildReport, build

__all__ = ["BuildReport", "build"]
