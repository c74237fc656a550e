"""An nbdev docs processor that executes each notebook before nbdev hides its cells, so `nbdev-docs` renders outputs.

The notebooks are committed without outputs, and Quarto renders a notebook as saved. The Pages workflow
(`AnswerDotAI/workflows/quarto-ghp3`) checks the repository out again before it runs `nbdev-docs`, so outputs
written by an earlier step would be lost: the execution has to happen inside `nbdev-docs`. `pyproject.toml` names
this class in `[tool.nbdev] doc_procs`. nbdev builds every processor from the raw notebook before any of them
runs, so `__init__` sees the notebook with its hidden set-up cells and replaces its cells by the executed ones,
through the same steps as `tools/build_docs.py`: nbdev's `add_show_docs`, then the whole notebook run with
nbclient (slow and gpu cells skipped, one torch thread). nbdev's own `add_show_docs` and `exec_show_docs` are
therefore skipped (`skip_procs`): the second executes only import and export cells, and fails on a cell that
imports and also uses a name a test cell defined. The repository root must be importable: `PYTHONPATH=.
nbdev-docs` (the deploy workflow sets it).
"""
import json, os, sys, tempfile
from pathlib import Path

import nbformat
from fastcore.nbio import dict2nb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import prepare, execute   # noqa: E402


class execute_for_docs:
    "Replace the cells of `nb` (fastcore's form, read from `nb.path_`) by those of one execution, show_doc cells included"
    def __init__(self, nb):
        src = Path(getattr(nb, 'path_', '') or '')
        if src.suffix != '.ipynb' or not src.is_file(): return
        with tempfile.TemporaryDirectory() as d:
            prepared, ran = Path(d) / 'prepared.ipynb', Path(d) / 'ran.ipynb'
            prepare(src, prepared)
            execute(prepared, ran, src.parent.resolve(), int(os.environ.get('IMBALANCE_NB_DOCS_TIMEOUT', '600')))
            cells = dict2nb(json.loads(ran.read_text())).cells
        for c in cells:                      # what NBProcessor did to the original cells before building us
            c.directives_ = c.directives
            c.remove_directives(quarto=True)
        nb.cells = cells

    def __call__(self, cell): return None   # the work is done once, in __init__
