"""Stage 5, site: which pages exist and how they link (pure plans), and rendering them with Jinja to
bytes (no disk, no cache); summary.json and summary.md; the single-file report; site paths and slugs.

- render.py: `plan_site` and `render_site`; pages.py: group and comparison pages
- comparisons.py: which comparison pages exist and each run's colour
- cross_run_pages.py: group statistics, comparisons, their figures and pages in one call
- summary_json.py, summary_md.py: machine-readable and pull-request summaries
- single_file.py: the whole site as one HTML file
- formatting.py: Jinja filters and sanitised Markdown; templates_dir.py: where templates are; slug.py

May import: reportgen.errors, reportgen.model, reportgen.manifest, reportgen.readers, reportgen.analysis,
reportgen.figures. Not reportgen.build: render.py and summary_json.py still take cache keys and the
writer's `Known` from it, until issue 15 item 2 moves that bookkeeping into build/.
"""
