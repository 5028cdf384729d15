"""Stage 5, site: which pages exist and how they link (pure plans), and rendering them with Jinja to
bytes (no disk, no cache); summary.json and summary.md; the single-file report.

- paths.py: where every file of the site lives, and relative links between them
- render.py: `plan_site`, `render_page`, `static_contents`; pages.py: group and comparison pages
- dataset_pages.py: dataset pages; comparisons.py: which comparison pages exist
- cross_run_pages.py: group statistics, comparisons, their figures and pages in one call
- summary_json.py, summary_md.py: machine-readable and pull-request summaries
- single_file.py: the whole site as one HTML file; scripts.py: which static scripts pages load, in order
- formatting.py: Jinja filters and sanitised Markdown; templates_dir.py: where templates are
- figure_data.py, overlay_data.py: the data inside interactive figures and the index workbench;
  json_numbers.py: their numbers, made from numpy arrays in one pass

May import: reportgen.errors, reportgen.model, reportgen.manifest, reportgen.readers, reportgen.analysis,
reportgen.figures. Never reportgen.build: which pages a rebuild may skip is build/'s business.
"""
