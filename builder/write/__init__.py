"""Stage 4, write the outputs from the document tree: the notebook (export.py, with the
question modules inlined by modules.py), the PDF (typeset.py: pandoc with the Lua filters
of filters/ and preamble.tex, then LaTeX; texcheck.py before anything runs, texlog.py for
its errors), and report.ipynb under `quarto render` (quarto.py, the project's hooks)."""
