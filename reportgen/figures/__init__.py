"""Stage 4, figures: what to draw (pure FigureSpecs) and drawing it to SVG or PNG bytes (matplotlib's
object API, never pyplot; no disk).

- plan.py: a run's figures; plan_groups.py: group and comparison figures;
  plan_loss_components.py: a loss logged only as parts; class_balance.py: class-balance tables and bars
- run_styles.py: each run's colour and marker, the same on every figure of the site
- thinned_curves.py: a run's curves cut down to what a many-run figure can show
- draw.py: a FigureSpec becomes bytes: the themed SVG every page shows (svg.py), or a PNG
  (png.py: the encoder; thumbnails). It draws each distinct frame once and the ink over it:
  axis_limits.py (each axis' range, from the data), decorations.py (ticks, labels, legend),
  layout.py (margins measured from the decorations), ink.py (curves, bands, marks)
- data_table.py: the numbers behind a figure, for readers who cannot see it

May import: reportgen.errors, reportgen.model, reportgen.manifest, reportgen.readers, reportgen.analysis.
"""
