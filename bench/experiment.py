"""Experiment speed: the default `papermill nbs/train.ipynb` run, samples/s per task at the quick preset, and a
sweep on 2 Dask workers against the same sweep run serially.

    python bench/experiment.py
    python bench/experiment.py --sweep-only   # only the sweep speed-up (tiny and realistic runs)

Torch runs with 1 thread per run in the sweep comparison (serial: `threads=1`; Dask: one single-threaded worker
process per core), so the speed-up measures running runs side by side, not torch's intra-op threading. Timings
are wall-clock on whatever machine runs this, once each (no repetitions): read them as sizes, not as exact figures."""
import os, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd, torch
from imbalance_nb.experiment import run, sweep, grid, project_root

root = project_root(Path(__file__).parent)

def papermill_wall():
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, '-m', 'papermill', 'nbs/train.ipynb', f'{d}/out.ipynb', '-p', 'out_dir', f'{d}/run',
                        '--no-progress-bar'], cwd=root, check=True, capture_output=True)
        return time.perf_counter() - t0

def task_speed(epochs=2):
    rows = []
    for t in ['distthres', 'dist', 'binary', 'ordinal', 'text', 'spans']:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            m = run(task=t, epochs=epochs, verbose=False, out_dir=d)
            wall = time.perf_counter() - t0
            n = len(__import__('json').loads((Path(d) / 'config.json').read_text())['class_counts']) and None
            cfg = __import__('json').loads((Path(d) / 'metadata.json').read_text())
            n_train = cfg['dataset_sizes']['train']
        rows.append(dict(task=t, n_train=n_train, epochs=epochs, train_s=m['train_time_s'], run_wall_s=wall,
                         samples_per_s=n_train * m['epochs_run'] / m['train_time_s']))
    return pd.DataFrame(rows)

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

if __name__ == '__main__':
    torch.set_num_threads(1) if os.environ.get('BENCH_ONE_THREAD') else None
    only_sweep = '--sweep-only' in sys.argv
    print(f"cores: {os.cpu_count()}, torch {torch.__version__}")
    if not only_sweep:
        print(f"\ndefault `papermill nbs/train.ipynb` (kernel start included): {papermill_wall():.1f} s\n")
        print(task_speed().round(2).to_string(index=False))
    print('\nsweeps of 8 binary runs, serial against 2 Dask workers (torch 1 thread per run):')
    print(pd.concat([sweep_speedup(k) for k in SWEEPS]).round(2).to_string(index=False))
