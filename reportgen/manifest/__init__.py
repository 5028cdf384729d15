"""Stage 1, manifests: find the run manifests under a runs folder, load their YAML with line and
column of every key, validate them and the site config (`reportgen.yaml`), and decide which input
paths a manifest may name. Returns RunSpec / SiteConfig (model.py); reports every problem.

- load.py: `load_manifests` (find and validate manifests)
- values.py: checks of single values shared by manifests, dataset files and the site config
- site_config.py: the optional `reportgen.yaml`
- input_paths.py: which files a manifest may name
- yaml_positions.py: safe YAML loading that keeps positions

May import: reportgen.errors, reportgen.model. Two exceptions remain (issue 15 item 3): load.py takes the
reader names (readers.FORMATS) to check `format:`, and run slugs from site/slug.py.
"""
