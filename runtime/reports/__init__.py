"""Reports: dashboard specs, datasets, the widget query compiler, shaping, figures, export.

Pure library (no Flask, no `app`): the app hands in SQLAlchemy Core tables and a
connection; everything here turns a frozen widget spec into a parameterised SELECT, the
rows into a pandas frame, the frame into a Plotly figure or a CSV/XLSX file.
"""
