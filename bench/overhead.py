"""Where a run's time goes outside training: one `benchmark`-preset run per scenario, in one process after a warm-up
run (imports done, as in a sweep's worker), with and without the plots.

    python bench/overhead.py        # writes bench/results/overhead-cpu.md (about two minutes on two cores)

`train_s` is the learner's own epoch time (batches, per-epoch scoring and the callbacks); `outside_s` is the rest
of `run`'s wall time: task building, the model's output check, evaluation with threshold tuning and temperature
fitting, the run folder's files and, with `plots=True`, the PNGs. One torch thread.
"""
import argparse, io, contextlib, tempfile, time
from pathlib import Path
import pandas as pd, torch
from imbalance_nb.experiment import run

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ('digits_lt', 'real_hmda', 'real_chile', 'binary')


def one(task, plots, seed=1):
    cfg = dict(task=task, preset='benchmark', loss='ce', seed=seed, plots=plots, out_dir=tempfile.mkdtemp(), verbose=False)
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()): m = run(cfg)
    wall = time.perf_counter() - t
    return dict(scenario=task, plots=plots, epochs=m['epochs_run'], wall_s=wall, train_s=m['train_time_s'],
                outside_s=wall - m['train_time_s'])


def _md(df):
    rows = [list(df.columns), ['---'] * len(df.columns)] + df.astype(str).values.tolist()
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'overhead-cpu.md'))
    a = ap.parse_args()
    torch.set_num_threads(1)
    one('binary', True, seed=0)                               # warm-up: imports, first optimizer step
    df = pd.DataFrame([one(s, p) for s in SCENARIOS for p in (True, False)])
    text = ("Per-run time outside training (`python bench/overhead.py`): one `benchmark`-preset CE run per scenario, "
            "in one process after a warm-up run, one torch thread; `train_s` is the epochs' own time (per-epoch "
            "scoring and callbacks included), `outside_s` the rest of the run.\n\n" + _md(df.round(2)) + '\n')
    Path(a.out).write_text(text)
    print(text)


if __name__ == '__main__': main()
