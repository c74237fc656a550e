#!/usr/bin/env python
"""Draw the home page's picture of a collapse and its fix: nbs/images/collapse.png.

Runs the first tutorial (nbs/tutorials/01_accuracy_trap.ipynb) through papermill at its benchmark size, which saves
the figure, and keeps the executed notebook beside it as the record of the run (nbs/images/collapse-run.ipynb is
not kept in git: it is large; the figure's provenance is written to nbs/images/collapse.json). About ten minutes
on two CPU cores.

    python tools/make_figures.py
"""
import json, platform, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path

import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
PARAMS = dict(preset='benchmark', seed=0)       # the benchmark preset's recipe (imbalance_nb.experiment.RECIPES)


def main():
    import torch, imbalance_nb
    images = ROOT / 'nbs' / 'images'
    images.mkdir(exist_ok=True)
    fig = images / 'collapse.png'
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / 'collapse-run.ipynb'
        pm.execute_notebook(str(ROOT / 'nbs' / 'tutorials' / '01_accuracy_trap.ipynb'), str(out), cwd=str(ROOT),
                            parameters={**PARAMS, 'figure_path': str(fig), 'out_root': str(Path(tmp) / 'runs')})
        runs = {}
        for d in sorted((Path(tmp) / 'runs').iterdir()):
            m = json.loads((d / 'metrics.json').read_text())
            runs[d.name] = {k: m.get(k) for k in ('f1', 'mcc', 'pr_auc', 'accuracy', 'predicted_positive_rate', 'collapse')}
    meta = dict(figure='nbs/images/collapse.png', made_by='python tools/make_figures.py',
                notebook='nbs/tutorials/01_accuracy_trap.ipynb', parameters=PARAMS, test_metrics=runs,
                generated=datetime.now(timezone.utc).isoformat(timespec='seconds'), wall_s=round(time.time() - t0),
                machine=f"{platform.machine()} {platform.system()}", torch=torch.__version__,
                imbalance_nb=imbalance_nb.__version__)
    (images / 'collapse.json').write_text(json.dumps(meta, indent=2) + '\n')
    print(json.dumps(meta, indent=2))


if __name__ == '__main__': sys.exit(main())
