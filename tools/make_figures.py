"""Draw the home page's picture of a collapse and its fix: nbs/images/collapse.png.

Runs the first tutorial (nbs/tutorials/01_accuracy_trap.ipynb) through papermill at its benchmark size, which saves
the figure, and writes the figure's provenance, with the runs' test metrics, validation verdicts by epoch and the
wall time, to nbs/images/collapse.json. Three benchmark runs one after the other: the minutes per run are in
bench/results/targets.md.

    python tools/make_figures.py             # run the tutorial; its runs are kept in runs/figures (git-ignored)
    python tools/make_figures.py --collect   # only write collapse.json from the runs already in runs/figures

The runs and the executed notebook (runs/figures/collapse-run.ipynb) stay in runs/figures, so a notebook that
fails after its runs (an assertion about them, say) still leaves them there: `--collect` writes the json from them.
"""
import argparse, json, platform, shutil, sys, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARAMS = dict(preset='benchmark', seed=0)       # the benchmark preset's recipe (imbalance_nb.experiment.RECIPES)


def collect(runs_dir, wall_s, generated=None):
    "collapse.json from the run folders in `runs_dir`"
    import torch, imbalance_nb
    runs = {}
    for d in sorted(p for p in runs_dir.iterdir() if (p / 'metrics.json').exists()):
        m = json.loads((d / 'metrics.json').read_text())
        runs[d.name] = {k: m.get(k) for k in ('f1', 'mcc', 'pr_auc', 'accuracy', 'predicted_positive_rate', 'collapse')}
        runs[d.name]['validation_by_epoch'] = [{k: e.get(k) for k in ('epoch', 'f1', 'predicted_positive_rate', 'collapse')}
                                               for e in m.get('history', [])]
    if not runs: sys.exit(f"no run folder with a metrics.json in {runs_dir}; run `python tools/make_figures.py` first")
    meta = dict(figure='nbs/images/collapse.png', made_by='python tools/make_figures.py',
                notebook='nbs/tutorials/01_accuracy_trap.ipynb', parameters=PARAMS, test_metrics=runs,
                generated=generated or datetime.now(timezone.utc).isoformat(timespec='seconds'), wall_s=wall_s,
                machine=f"{platform.machine()} {platform.system()}", torch=torch.__version__,
                imbalance_nb=imbalance_nb.__version__)
    (ROOT / 'nbs' / 'images' / 'collapse.json').write_text(json.dumps(meta, indent=2) + '\n')
    print(json.dumps(meta, indent=2))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--collect', action='store_true', help='only write collapse.json from the runs in runs/figures')
    a = ap.parse_args(argv)
    out_root, wall_file = ROOT / 'runs' / 'figures', ROOT / 'runs' / 'figures' / 'wall_s.txt'
    if a.collect:
        if not out_root.exists(): sys.exit(f"{out_root.relative_to(ROOT)} does not exist; run `python tools/make_figures.py` first")
        return collect(out_root / 'runs', float(wall_file.read_text()) if wall_file.exists() else None)
    import papermill as pm
    images = ROOT / 'nbs' / 'images'
    images.mkdir(exist_ok=True)
    if out_root.exists():
        print(f"removing the previous figure runs in {out_root.relative_to(ROOT)}"); shutil.rmtree(out_root)
    out_root.mkdir(parents=True)
    t0 = time.time()
    try:
        pm.execute_notebook(str(ROOT / 'nbs' / 'tutorials' / '01_accuracy_trap.ipynb'), str(out_root / 'collapse-run.ipynb'),
                            cwd=str(ROOT), parameters={**PARAMS, 'figure_path': str(images / 'collapse.png'),
                                                       'out_root': str(out_root / 'runs')})
    except Exception:
        print(f"the notebook failed; what it ran is in {out_root.relative_to(ROOT)} (the executed notebook says where); "
              "`python tools/make_figures.py --collect` writes collapse.json from those runs", file=sys.stderr)
        raise
    finally:
        wall_file.write_text(f"{time.time() - t0:.0f}\n")
    collect(out_root / 'runs', round(time.time() - t0))


if __name__ == '__main__': sys.exit(main())
