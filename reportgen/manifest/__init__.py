"""Stage 1, manifests: find the run manifests under a runs folder, load their YAML with line and
column of every key, validate them and the site config (`reportgen.yaml`), and decide which input
paths a manifest may name. Returns RunSpec / SiteConfig (model.py); reports every problem.

- load.py: `load_manifests` (find and validate manifests)
- values.py: checks of single values shared by manifests, dataset files and the site config
- site_config.py: the optional `reportgen.yaml`
- input_paths.py: which files a manifest may name
- yaml_positions.py: safe YAML loading that keeps positions
- slug.py: a run's page address, which two runs may not share

May import: reportgen.errors, reportgen.model. (The log format names are model.LOG_FORMATS, which the
readers' registry follows.)
"""
