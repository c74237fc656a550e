"""Experiment speed: the wall time of the default `papermill nbs/train.ipynb` run, and a sweep on 2 Dask workers
against the same sweep run serially. (Samples/s per task and peak memory: `bench/models.py`.)

    python bench/experiment.py                     # both; writes bench/results/papermill-cpu.txt and sweep-cpu.txt
    python bench/experiment.py --papermill-only    # the default papermill run, --reps times (median and range)
    python bench/experiment.py --sweep-only        # only the sweep speed-up (tiny and realistic runs)

Torch runs with 1 thread per run in the sweep comparison (serial: `threads=1`; Dask: one single-threaded worker
process per core), so the speed-up measures running runs side by side, not torch's intra-op threading. Timings
are wall-clock on whatever machine runs this (the sweeps once each, the papermill run --reps times): read them as
sizes on a quiet machine, not as exact figures."""
import os, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd, torch
from imbalance_nb.experiment import sweep, grid, project_root

root = project_root(Path(__file__).parent)

def papermill_wall():
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, '-m', 'papermill', 'nbs/train.ipynb', f'{d}/out.ipynb', '-p', 'out_dir', f'{d}/run',
                        '--no-progress-bar'], cwd=root, check=True, capture_output=True)
        return time.perf_counter() - t0

SWEEPS = {  # name -> the grid: tiny runs (start-up dominates) and runs of realistic length (~20 s each, serially)
    'tiny': dict(task='binary', n=891, epochs=5, loss=['ce', 'weighted_ce', 'focal', 'logit_adjusted'], seed=[0, 1]),
    'realistic': dict(task='binary', n=8910, epochs=60, loss=['ce', 'weighted_ce', 'focal', 'logit_adjusted'], seed=[0, 1]),
}

def sweep_speedup(size='tiny'):
    cfgs = grid(**SWEEPS[size])
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter(); a = sweep(cfgs, runs_dir=f'{d}/serial', threads=1); serial = time.perf_counter() - t0
        t0 = time.perf_counter(); b = sweep(cfgs, executor='dask', n_workers=2, runs_dir=f'{d}/dask', threads=1); dask = time.perf_counter() - t0
    assert (a.status == 'completed').all() and (b.status == 'completed').all()
    return pd.DataFrame([dict(sweep=size, runs=len(cfgs), serial_s=serial, dask_2_workers_s=dask, speedup=serial / dask)])

def papermill_table(reps):
    t = sorted(papermill_wall() for _ in range(reps))
    return pd.DataFrame([dict(run='papermill nbs/train.ipynb (defaults)', reps=reps, median_s=t[len(t) // 2], min_s=t[0],
                              max_s=t[-1], target_s=30.0, met=t[len(t) // 2] < 30)])

if __name__ == '__main__':
    import argparse, platform
    from datetime import date
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--sweep-only', action='store_true'); g.add_argument('--papermill-only', action='store_true')
    ap.add_argument('--reps', type=int, default=3, help="papermill runs (median reported)")
    ap.add_argument('--out', default=str(root / 'bench' / 'results'), help="folder for the result files; '' to skip")
    a = ap.parse_args()
    if a.reps < 1: ap.error(f"--reps {a.reps} is not valid; choose a positive integer")
    torch.set_num_threads(1) if os.environ.get('BENCH_ONE_THREAD') else None
    where = f"{date.today()} on {platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}"
    print(f"cores: {os.cpu_count()}, torch {torch.__version__}")
    def report(name, title, how, tab):
        "Print a result table under its title and the command that made it; write it to `--out`/`name`"
        text = f"# {title}\n\n{how}\n\n" + '\n'.join('    ' + l for l in tab.splitlines()) + '\n'
        print(text)
        if a.out: Path(a.out).mkdir(parents=True, exist_ok=True); Path(a.out, name).write_text(text)
    if not a.sweep_only:
        report('papermill-cpu.txt', 'Default papermill run: wall time, kernel start included',
               f"python bench/experiment.py --papermill-only --reps {a.reps}, {where}; `papermill nbs/train.ipynb out.ipynb` with the "
               "notebook's defaults, a fresh process each time (interpreter, kernel start, imports, training, plots, run folder).",
               papermill_table(a.reps).round(2).to_string(index=False))
    if not a.papermill_only:
        report('sweep-cpu.txt', 'Sweep speed-up: serial against 2 Dask workers',
               f"python bench/experiment.py --sweep-only, {where}, torch 1 thread per run; 8 binary runs per sweep "
               "(tiny: n=891, 5 epochs; realistic: n=8910, 60 epochs).",
               pd.concat([sweep_speedup(k) for k in SWEEPS]).round(2).to_string(index=False))
