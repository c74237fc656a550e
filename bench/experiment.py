"""Experiment speed: the card's command, `papermill nbs/train.ipynb out.ipynb -p loss L`, for three losses (its wall
time and what it shows: the baseline's collapse and the named loss's result), and a sweep on 2 Dask workers against
the same sweep run serially. (Samples/s per task and peak memory: `bench/models.py`.)

    python bench/experiment.py                     # both; writes bench/results/papermill-cpu.{txt,csv} and sweep-cpu.{txt,csv}
    python bench/experiment.py --papermill-only    # the card's command per loss, --reps times (median and range)
    python bench/experiment.py --sweep-only        # only the sweep speed-up (tiny and realistic runs)

Torch runs with 1 thread per run in the sweep comparison (serial: `threads=1`; Dask: one single-threaded worker
process per core), so the speed-up measures running runs side by side, not torch's intra-op threading. Timings
are wall-clock on whatever machine runs this (the sweeps once each, the papermill run --reps times): read them as
sizes on a quiet machine, not as exact figures."""
import json, os, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd, torch
from imbalance_nb.experiment import project_root
from imbalance_nb.sweep import sweep, grid

root = project_root(Path(__file__).parent)

CARD_LOSSES = ('focal', 'weighted_ce', 'ce')

def papermill_run(loss):
    "Wall time of the card's command with `-p loss loss` (a fresh process: interpreter, kernel, imports, two trainings, plots) and its metrics"
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, '-m', 'papermill', 'nbs/train.ipynb', f'{d}/out.ipynb', '-p', 'loss', loss,
                            '-p', 'out_dir', f'{d}/run', '--no-progress-bar'], cwd=root, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        assert 'KeyboardInterrupt' not in p.stderr, p.stderr[-2000:]
        return wall, json.loads(Path(d, 'run', 'metrics.json').read_text())

SWEEPS = {  # name -> the grid: tiny runs (start-up dominates) and runs of realistic length (~20 s each, serially)
    'tiny': dict(task='binary', n=891, epochs=5, loss=['ce', 'weighted_ce', 'focal', 'logit_adjusted'], seed=[0, 1]),
    'realistic': dict(task='binary', n=8910, epochs=60, loss=['ce', 'weighted_ce', 'focal', 'logit_adjusted'], seed=[0, 1]),
}

def _fresh(cfgs, runs_dir):
    "A new Python process that runs `cfgs` serially (1 torch thread), imports included"
    code = ("import json, sys; from imbalance_nb.sweep import sweep; "
            "df = sweep(json.loads(sys.argv[1]), runs_dir=sys.argv[2], threads=1); assert (df.status == 'completed').all()")
    return subprocess.Popen([sys.executable, '-c', code, json.dumps(cfgs), runs_dir], cwd=root,
                            env={**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1'})

def _wait(ps):
    for p in ps:
        if p.wait() != 0: raise RuntimeError(f"a benchmark process failed (exit {p.returncode})")

def sweep_speedup(size='tiny'):
    """Wall time of one sweep four ways: serial in this process (imports done), serial in a fresh process, the same
    configs split over two fresh processes side by side (the machine's ceiling for two workers, without Dask),
    and `sweep(executor='dask', n_workers=2)` (cluster start and worker imports included)"""
    cfgs = grid(**SWEEPS[size])
    half = [cfgs[0::2], cfgs[1::2]]
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter(); a = sweep(cfgs, runs_dir=f'{d}/serial', threads=1); serial = time.perf_counter() - t0
        t0 = time.perf_counter(); _wait([_fresh(cfgs, f'{d}/fresh')]); fresh = time.perf_counter() - t0
        t0 = time.perf_counter(); _wait([_fresh(h, f'{d}/two{i}') for i, h in enumerate(half)]); two = time.perf_counter() - t0
        t0 = time.perf_counter(); b = sweep(cfgs, executor='dask', n_workers=2, runs_dir=f'{d}/dask', threads=1); dask = time.perf_counter() - t0
    assert (a.status == 'completed').all() and (b.status == 'completed').all()
    return pd.DataFrame([dict(sweep=size, runs=len(cfgs), serial_s=serial, serial_fresh_s=fresh, two_processes_s=two,
                              dask_2_workers_s=dask, ceiling=fresh / two, speedup=serial / dask, speedup_vs_fresh=fresh / dask)])

def papermill_table(reps):
    "One row per loss: wall time (median, range over `reps`), the run's test F1 and verdict, and its baseline's; and the next steps"
    rows, steps = [], []
    for loss in CARD_LOSSES:
        runs = [papermill_run(loss) for _ in range(reps)]
        t, m = sorted(w for w, _ in runs), runs[-1][1]
        b = m['baseline']
        rows.append(dict(loss=loss, reps=reps, median_s=t[len(t) // 2], min_s=t[0], max_s=t[-1], met_30s=t[len(t) // 2] < 30,
                         f1=m['f1'], f1_tuned=m['f1_tuned'], verdict=m['collapse'], baseline_f1=b['f1'],
                         baseline_verdict=b['collapse'], is_baseline=m['baseline_is_self']))
        steps.append(f"- `-p loss {loss}`: next step: {m['next_step']}")
    return pd.DataFrame(rows), '\n'.join(steps)

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
    def report(name, title, how, df, after=''):
        "Print a result table under its title and the command that made it (and `after` it); write `--out`/`name`.txt and .csv"
        tab = df.round(3).to_string(index=False)
        text = f"# {title}\n\n{how}\n\n" + '\n'.join('    ' + l for l in tab.splitlines()) + '\n' + (f"\n{after}\n" if after else '')
        print(text)
        if a.out:
            Path(a.out).mkdir(parents=True, exist_ok=True)
            Path(a.out, f'{name}.txt').write_text(text); df.to_csv(Path(a.out, f'{name}.csv'), index=False)
    if not a.sweep_only:
        tab, steps = papermill_table(a.reps)
        report('papermill-cpu', "The card's command: wall time (kernel start included) and what it shows",
               f"python bench/experiment.py --papermill-only --reps {a.reps}, {where}; `papermill nbs/train.ipynb out.ipynb -p loss L` "
               "with the notebook's other defaults (task overlap, baseline ce), a fresh process each time (interpreter, kernel "
               "start, imports, the baseline and the run, plots, run folder). Test F1 of the minority at 0.5 and with the "
               "threshold tuned on validation; the collapse verdict of the run and of its plain-CE baseline.",
               tab, steps)
    if not a.papermill_only:
        report('sweep-cpu', 'Sweep speed-up: serial against 2 Dask workers',
               f"python bench/experiment.py --sweep-only, {where}, torch 1 thread per run; 8 binary runs per sweep "
               "(tiny: n=891, 5 epochs; realistic: n=8910, 60 epochs). serial_s: in this process, imports done; "
               "serial_fresh_s: in a new process (interpreter and imports included, as each Dask worker pays them); "
               "two_processes_s: the configs split over two new processes side by side, no Dask: `ceiling` = "
               "serial_fresh_s / two_processes_s is what two workers can reach on this machine; speedup = serial_s / "
               "dask_2_workers_s.",
               pd.concat([sweep_speedup(k) for k in SWEEPS]))
