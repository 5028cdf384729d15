"""Stage 6, build: the glue. `build()` calls the stages in order, runs each run's job on every core,
keeps the incremental-build bookkeeping (run cache, its keys, what the last build wrote) and is the only
code that writes output. Also `check` (validate without building).

- pipeline.py: `build`, `BuildReport`; run_job.py: one run's read, analysis and figures
- parallel.py: worker processes; progress.py: the progress bar
- cache.py, cache_keys.py, datacodec.py, last_build.py: incremental-build bookkeeping
- writer.py: writes the site and swaps it in; output_paths.py: guards on where output may go
- check.py: `reportgen check`

May import every other package. Nothing imports reportgen.build except cli.py and serve.py (and, until
issue 15 item 2, site/render.py and site/summary_json.py).
"""

from reportgen.build.pipeline import BuildReport, build

__all__ = ["BuildReport", "build"]
