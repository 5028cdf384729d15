"""Stage 1, manifests: find the run manifests under a runs folder, load their YAML with line and
column of every key, validate them and the site config (`reportgen.yaml`), and decide which input
paths a manifest may name. Returns RunSpec / DatasetSpec / SiteConfig (model.py); reports every
problem.

- format.py: THE definition of the format: every key of every mapping, its YAML type, whether
  it is required, the dataclass field it fills and what it means
- validate.py: walks a table of format.py over a YAML mapping
- run_keys.py, class_balance.py, site_config.py: the checks of richer values (`Custom` kinds)
- load.py: `load_manifests` (find and validate manifests); site_config.py: `reportgen.yaml`
- schema.py: generates docs/manifest.schema.json and the key tables of docs/manifest.md
- values.py: the Checker and checks of single values; input_paths.py: which files a manifest
  may name; yaml_positions.py: safe YAML loading that keeps positions

Adding a key is a change in one place, format.py:
1. Add a `Key` to the table (RUN, DATASET, SITE or a nested one) with its kind (Text, Choice,
   Words, Whole, or Custom naming a check function), its doc line, and `field`/`type`/`default`
   when a dataclass should carry it (`key(...)` names the field after the key). model.py's
   `from_table` adds the field; do not write it in the class body too (that is refused).
2. A Custom kind needs its check function in the checks mapping of the table's loader
   (run_keys.RUN_CHECKS, run_keys.DATASET_CHECKS, site_config.SITE_CHECKS): it takes
   (checker, key path, value or None, Context) and returns the field's value or None.
3. Run `python -m reportgen.manifest.schema` to regenerate the schema and the docs tables
   (tests/test_schema_docs.py fails until you do), and write the key's own section of
   docs/manifest.md if it needs more than its table row.
The stage that uses the value reads the field; nothing else lists keys.

- slug.py: a run's page address, which two runs may not share

May import: reportgen.errors, reportgen.model; model.py imports format.py (which imports nothing
of reportgen at import time). The log format names are model.LOG_FORMATS, which the readers'
registry follows.
"""
