"""The benchmark matrix (issue 6): every scenario against every loss and sampler over seeds, plus scikit-learn
baselines on the tabular scenarios; writes `bench/results/matrix-<mode>.csv` (one row per run) and its
`.meta.json` (the parts it was made in, with their wall time). The tables, the real-data summary and the calibration
comparison are drawn from the CSV by the docs' benchmarks page (`nbs/benchmarks.ipynb`), not written here.

    python bench/matrix.py --mode quick                 # every scenario and loss at the 'quick' preset, minutes
    python bench/matrix.py --mode full                  # the 'benchmark' preset, 3 seeds, the recipes' epochs: hours
    python bench/matrix.py --mode full --dry-run        # print the config list's size and stop

Each run writes its own folder under `--runs-dir` (default `runs/bench-<mode>`, git-ignored) through
`imbalance_nb.experiment.sweep`; a failed run is a row with status 'failed' and its error, never a crash.
Torch runs 1 thread per run under the Dask executor (one single-threaded worker per core) and all cores locally."""
from __future__ import annotations
import argparse, json, os, platform, sys, time, warnings
from datetime import datetime, timezone
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from imbalance_nb.losses import LOSS_SPECS
from imbalance_nb.data import SAMPLERS
# every softmax loss of the library, but the focal twin of weighted_ce (class weights on focal are a run option, class_weights=)
LOSSES_ALL = [n for n, s in LOSS_SPECS.items() if not s.sigmoid and n != 'weighted_focal']
SYNTHETIC = ['distthres', 'dist', 'spans', 'binary', 'ordinal', 'text', 'frame']
REAL = ['real_titanic', 'real_hmda', 'real_resume', 'real_health', 'real_mpls', 'real_chile']   # public tables (the [data] extra)
SCENARIOS = SYNTHETIC + REAL + ['digits_lt']
TABULAR = ['binary', 'ordinal', 'frame', *REAL, 'digits_lt']           # sklearn baselines run here
FRAME_POS_RATE, FRAME_SEED_OFFSET = 0.15, 1000     # the user-data example: titanic_frame, another seed, 15% positives
FRAME_N = {'quick': 891, 'full': 8910}
# The registered scenarios train with their preset's recipe (imbalance_nb.experiment.RECIPES); the user-data example
# is a Task object, which has no preset, so its training is written here, as a user would write it.
FRAME_TRAIN = {'quick': dict(epochs=10), 'full': dict(epochs=30, lr=3e-3, batch_size=64, wd=0.01)}
PRESET = {'quick': 'quick', 'full': 'benchmark'}
CSV_COLS = ['scenario', 'loss', 'sampler', 'seed', 'status', 'error', 'wall_s', 'train_time_s', 'epochs', 'preset',
            'f1', 'mcc', 'pr_auc', 'qwk', 'macro_f1', 'span_f1@0.5', 'ptr_f1@0.5', 'mae', 'collapse',
            'f1_tuned', 'span_f1@0.5_tuned', 'qwk_tuned', 'collapse_tuned', 'balanced_accuracy', 'balanced_accuracy_tuned',
            'macro_f1_tuned', 'tail_recall', 'tail_recall_tuned', 'brier', 'ece', 'ece_calibrated', 'temperature',
            'train_loss_last', 'val_loss_min', 'val_loss_min_epoch', 'val_loss_last', 'run']
TAIL = {'digits_lt': (7, 8, 9)}                    # the long-tailed task's three rarest classes


def frame_task(mode, seed):
    "The user-data scenario: a DataFrame built here, through `from_frame`"
    from imbalance_nb.tasks.tabular import titanic_frame, from_frame
    df = titanic_frame(n=FRAME_N[mode], pos_rate=FRAME_POS_RATE, seed=FRAME_SEED_OFFSET + seed)
    return from_frame(df, 'survived', seed=seed, kind='binary', name='frame')


def losses_for(scenario):
    if scenario == 'spans':
        from imbalance_nb.kinds import KINDS
        return list(KINDS['spans'].losses)
    return LOSSES_ALL


_refusals = {}
def refused(scenario, loss, sampler):
    "Why `run` refuses this combination (None when it accepts it); probed once at the quick preset (same checks)"
    key = (scenario, loss, sampler)
    if key not in _refusals:
        from imbalance_nb.experiment import setup
        from imbalance_nb.kinds import kind_of
        task = frame_task('quick', 0) if scenario == 'frame' else scenario
        try:
            cfg, t = setup(dict(task=task, loss=loss, sampler=sampler, preset='quick'))
            k = kind_of(t); k.loss(t, loss, **k.loss_options(cfg, t)); _refusals[key] = None
        except Exception as e: _refusals[key] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    return _refusals[key]


def build_configs(mode, seeds, scenarios=SCENARIOS):
    "(meta, config) pairs: scenarios x losses x samplers x seeds, without the combinations `run` refuses"
    out, skipped = [], []
    for sc in scenarios:
        for loss in losses_for(sc):
            for sampler in SAMPLERS:
                why = refused(sc, loss, sampler)
                if why: skipped.append((sc, loss, sampler, why)); continue
                for seed in seeds:
                    cfg = dict(loss=loss, sampler=sampler, seed=seed, plots=False)   # the CSV is the result; PNGs cost ~1 s a run
                    if sc == 'frame': cfg.update(task=None, **FRAME_TRAIN[mode])    # built lazily (a Task object)
                    else: cfg.update(task=sc, preset=PRESET[mode])                  # the preset's recipe
                    out.append((dict(scenario=sc, loss=loss, sampler=sampler, seed=seed), cfg))
    return out, skipped


def _rel(p):
    "A path relative to the project root where it lies under it (no machine paths in the results)"
    p = Path(p).absolute()
    try: return str(p.relative_to(ROOT))
    except ValueError: return p.name


def _get(row, *keys):
    for k in keys:
        v = row.get(k)
        if v is not None and not (isinstance(v, float) and np.isnan(v)): return v
    return np.nan


def curve(run_path):
    "Training and validation loss figures of a run, from its metrics.json's history (empty when it is missing)"
    try: h = json.loads((Path(run_path) / 'metrics.json').read_text())['history']
    except Exception: return {}
    v = [e['val_loss'] for e in h]
    i = int(np.nanargmin(v))
    return dict(train_loss_last=h[-1]['train_loss'], val_loss_min=v[i], val_loss_min_epoch=h[i]['epoch'], val_loss_last=v[-1])


def _tail(sc, r, sfx=''):
    "Mean recall of a long-tailed scenario's rarest classes"
    if sc not in TAIL: return np.nan
    v = [_get(r, f'recall_class{c}{sfx}') for c in TAIL[sc]]
    return float(np.mean(v)) if not any(pd.isna(x) for x in v) else np.nan


def calib(sc, r):
    "The columns every row shares beyond the headline: balanced accuracy, the tail's recall, calibration"
    return dict(balanced_accuracy=_get(r, 'balanced_accuracy', 'step_balanced_accuracy'),
                balanced_accuracy_tuned=_get(r, 'balanced_accuracy_tuned', 'step_balanced_accuracy_tuned'),
                macro_f1_tuned=_get(r, 'macro_f1_tuned'), tail_recall=_tail(sc, r), tail_recall_tuned=_tail(sc, r, '_tuned'),
                brier=_get(r, 'brier', 'step_brier'), ece=_get(r, 'ece', 'step_ece'), ece_calibrated=_get(r, 'ece_calibrated'),
                temperature=_get(r, 'temperature'))


def to_row(meta, r, mode):
    "One CSV row from `collect`'s row of a run"
    r = {k: v for k, v in r.items()}
    return dict(meta, **curve(r['run_path']) if r.get('run_path') else {}, status=r.get('status'), error=r.get('error'), wall_s=r.get('wall_s'), train_time_s=r.get('train_time_s'),
                epochs=r.get('epochs'), preset=PRESET[mode],
                f1=_get(r, 'f1'), mcc=_get(r, 'mcc', 'step_mcc'), pr_auc=_get(r, 'pr_auc'), qwk=_get(r, 'qwk'),
                macro_f1=_get(r, 'macro_f1'), **{'span_f1@0.5': _get(r, 'f1@0.5'), 'ptr_f1@0.5': _get(r, 'ptr_f1@0.5')},
                mae=_get(r, 'mae'), collapse=r.get('collapse'),
                f1_tuned=_get(r, 'f1_tuned'), **{'span_f1@0.5_tuned': _get(r, 'f1@0.5_tuned')},
                qwk_tuned=_get(r, 'qwk_tuned'), collapse_tuned=r.get('collapse_tuned'), **calib(meta['scenario'], r), run=r.get('run'))


def sklearn_rows(mode, seeds, scenarios=TABULAR):
    "scikit-learn's balanced references (`imbalance_nb.advise.fit_reference`: the helper advise and tutorial 04 use) on the tabular scenarios"
    from imbalance_nb.tasks.core import make_task
    from imbalance_nb.advise import fit_reference, REFERENCES
    from imbalance_nb.experiment import RECIPES
    from imbalance_nb.kinds import kind_of
    rows = []
    for sc in [s for s in TABULAR if s in scenarios]:
        for seed in seeds:
            task = frame_task(mode, seed) if sc == 'frame' else make_task(sc, seed=seed, **RECIPES[PRESET[mode]][sc].get('task', {}))
            for name in REFERENCES:
                meta = dict(scenario=sc, loss=f'sklearn_{name}', sampler=None, seed=seed, preset=PRESET[mode], epochs=np.nan, run=None)
                t0 = time.perf_counter()
                try:
                    d = fit_reference(name, task, seed, splits=('valid', 'test'))
                    wall = time.perf_counter() - t0
                    e, _ = kind_of(task).evaluate(task, d['valid'], d['test'])   # the same tuning as every run's
                    keep = ['f1', 'mcc', 'pr_auc', 'collapse', 'f1_tuned', 'collapse_tuned'] if task.kind == 'binary' else \
                           ['mcc', 'qwk', 'macro_f1', 'collapse', 'qwk_tuned']
                    rows.append(dict(meta, status='completed', wall_s=wall, train_time_s=wall, **{k: e[k] for k in keep}, **calib(sc, e)))
                except Exception as ex:
                    rows.append(dict(meta, status='failed', error=f"{type(ex).__name__}: {ex}", wall_s=time.perf_counter() - t0))
    return rows


def meta_parts(meta, df):
    "The parts a results file was made in (one per `--scenarios` run): an older single-run meta file is one part"
    if 'parts' in meta: return meta['parts']
    return [dict(meta, scenarios=[x for x in SCENARIOS if x in set(df.scenario)])] if meta else []


def merge_previous(out, mode, res, scenarios):
    "The new rows with the previous results file's rows of the other scenarios (never dropped silently) and their parts"
    csv, metaf = out / f'matrix-{mode}.csv', out / f'matrix-{mode}.meta.json'
    if not csv.is_file(): return res, []
    old = pd.read_csv(csv)
    kept = old[~old.scenario.isin(scenarios)]
    if not len(kept): return res, []
    parts = []
    secs = pd.to_numeric(old.wall_s, errors='coerce').fillna(0).groupby(old.scenario).sum()
    for p in meta_parts(json.loads(metaf.read_text()) if metaf.is_file() else {}, old):
        left = [x for x in p['scenarios'] if x not in scenarios]
        if not left: continue
        if len(left) < len(p['scenarios']) and p.get('wall_s'):   # keep only the kept scenarios' share of that part's wall time
            allv, keptv = secs.reindex(p['scenarios']).fillna(0).sum(), secs.reindex(left).fillna(0).sum()
            p = dict(p, wall_s=p['wall_s'] * keptv / allv if allv else None,
                     share_of=p.get('share_of', p['scenarios']))
        parts.append(dict(p, scenarios=left))
    print(f"kept the previous {csv.name}'s {len(kept)} rows of {', '.join(sorted(set(kept.scenario)))}; replaced those of "
          f"{', '.join(scenarios)}")
    both = pd.concat([kept.reindex(columns=CSV_COLS), res], ignore_index=True)
    order = {x: i for i, x in enumerate(SCENARIOS)}
    return both.sort_values('scenario', key=lambda c: c.map(order), kind='stable').reset_index(drop=True), parts


def estimate(mode, pairs):
    "Time 1 epoch per scenario (loss ce, 1 torch thread, includes building the task) and extrapolate: a rough size"
    import tempfile, torch
    from imbalance_nb.experiment import run
    torch.set_num_threads(1)
    total = 0.
    for sc in dict.fromkeys(m['scenario'] for m, _ in pairs):
        cfg = dict(next(c for m, c in pairs if m['scenario'] == sc), loss='ce', sampler=None, seed=0, epochs=1, verbose=False)
        if sc == 'frame': cfg['task'] = frame_task(mode, 0)
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter(); m = run(cfg, out_dir=d); wall = time.perf_counter() - t0
        ep, over = m['train_time_s'], wall - m['train_time_s']          # one epoch; task building + evaluation
        cs = [c for mm, c in pairs if mm['scenario'] == sc]
        from imbalance_nb.experiment import recipe
        t = sum(over + ep * (c.get('epochs') or recipe(c['task'], c['preset'])['epochs']) for c in cs); total += t
        print(f"  {sc}: {ep:.1f} s/epoch + {over:.1f} s build/eval per run -> ~{t / 3600:.2f} CPU-h for its {len(cs)} runs", flush=True)
    cores = os.cpu_count() or 1
    print(f"estimated {total / 3600:.1f} single-thread CPU-hours; ~{total / 3600 / cores:.1f} h wall on {cores} cores "
          "(measured with loss ce, no sampler; other losses and the weighted sampler cost about the same per epoch)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--mode', choices=['quick', 'full'], default='quick')
    ap.add_argument('--seeds', type=int, nargs='+', default=None, help="default: 0 in quick mode, 0 1 2 in full mode")
    ap.add_argument('--executor', choices=['local', 'dask'], default=None, help="default: dask when there are 2+ cores")
    ap.add_argument('--workers', type=int, default=None, help="Dask workers (default: the number of cores)")
    ap.add_argument('--scenarios', nargs='+', choices=SCENARIOS, default=SCENARIOS)
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results'))
    ap.add_argument('--runs-dir', nargs='+', default=None, help="default: runs/bench-<mode> under the project root (git-ignored); "
                    "with --collect, several folders may be given (e.g. the binary runs of one sweep and the rest of another)")
    ap.add_argument('--dry-run', action='store_true', help="print the config list's size and stop")
    ap.add_argument('--estimate', action='store_true', help="with --dry-run: time one 1-epoch run per scenario (ce, seed 0, "
                    "1 thread) and extrapolate the matrix's CPU time")
    ap.add_argument('--collect', action='store_true', help="build the CSV from the run folders already in --runs-dir (a stopped "
                    "sweep, or sweeps of one seed each): configs with no completed run are left out, so pass only --scenarios whose runs all finished")
    a = ap.parse_args(argv)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    seeds = a.seeds if a.seeds is not None else ([0] if a.mode == 'quick' else [0, 1, 2])
    warnings.simplefilter('ignore')
    pairs, skipped = build_configs(a.mode, seeds, a.scenarios)
    n_sk = sum(2 * len(seeds) for s in a.scenarios if s in TABULAR)
    by = pd.Series([m['scenario'] for m, _ in pairs]).value_counts().reindex(a.scenarios).fillna(0).astype(int)
    from imbalance_nb.experiment import recipe
    ep = sum(c.get('epochs') or recipe(c['task'], c['preset'])['epochs'] for _, c in pairs)
    print(f"mode {a.mode}: {len(pairs)} training runs ({', '.join(f'{k} {v}' for k, v in by.items())}), {ep} epochs in all, "
          f"+ {n_sk} scikit-learn baseline fits; {len(skipped)} loss x sampler combinations skipped (refused by run):")
    for s in skipped: print(f"  skip {s[0]} / {s[1]} / sampler={s[2]}: {s[3]}")
    if a.dry_run:
        if a.estimate: estimate(a.mode, pairs)
        return
    import torch
    from imbalance_nb.sweep import sweep, collect
    cores = os.cpu_count() or 1
    executor = a.executor or ('dask' if cores > 1 else 'local')
    runs_dirs = [Path(d) for d in a.runs_dir] if a.runs_dir else [ROOT / 'runs' / f'bench-{a.mode}']
    if len(runs_dirs) > 1 and not a.collect: ap.error("several --runs-dir folders only go with --collect")
    runs_dir = runs_dirs[0]
    configs = []
    for m, c in pairs:
        c = dict(c)
        if m['scenario'] == 'frame': c['task'] = frame_task(a.mode, m['seed'])
        configs.append(c)
    t0 = time.perf_counter()
    if a.collect:
        df = pd.concat([collect(d).pipe(lambda x: x.assign(run_path=[str(Path(d) / n) for n in x.run])) for d in runs_dirs],
                       ignore_index=True)
        df = df[df.status == 'completed']
        df = df.assign(run=df.run.map(lambda r: Path(str(r)).name))
    else:
        if executor == 'local': torch.set_num_threads(cores)
        df = sweep(configs, executor=executor, runs_dir=runs_dir, n_workers=a.workers,
                   threads=1 if executor == 'dask' else cores)
    recs = df.to_dict('records')
    if a.collect:   # a stopped sweep's folders: match each config by what it ran (task, loss, sampler, seed)
        key = lambda task, loss, sampler, seed: (str(task), str(loss), 'None' if pd.isna(sampler) or sampler == '' else str(sampler), int(seed))
        got = {key(r['task'], r['loss'], r['sampler'], r['seed']): r for r in recs}
        rows = [to_row(m, got[k], a.mode) for m, c in pairs
                if (k := key('frame' if m['scenario'] == 'frame' else c['task'], c['loss'], c.get('sampler'), c['seed'])) in got]
        cfg_of = lambda r: (r['scenario'], r['loss'], str(r['sampler']))
        n_seeds = pd.Series([cfg_of(r) for r in rows], dtype=object).value_counts()
        part = [k for k, n in n_seeds.items() if n < len(seeds)]
        if part:   # a config with only some seeds would show a mean over fewer seeds than the header says: leave it out
            print(f"left out (not every seed completed): {', '.join('/'.join(k) for k in part)}")
            rows = [r for r in rows if cfg_of(r) not in part]
    else:
        for r in recs: r['run_path'] = str(runs_dir / r['run'])
        by_idx = {int(r['run'].split('-')[0]): r for r in recs}
        rows = [to_row(m, by_idx.get(i, dict(status='missing')), a.mode) for i, (m, _) in enumerate(pairs)]
    rows += sklearn_rows(a.mode, seeds, a.scenarios) if set(a.scenarios) & set(TABULAR) else []
    rows = [r for r in rows if r['scenario'] in a.scenarios]
    wall = time.perf_counter() - t0
    res = pd.DataFrame(rows).reindex(columns=CSV_COLS)
    if a.collect: wall = float(pd.to_numeric(res.wall_s, errors='coerce').sum()) / (a.workers or cores)   # the runs' own time
    part = dict(scenarios=list(a.scenarios), date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), wall_s=wall,
                executor=executor, machine=f"{platform.machine()} {platform.system()}, {cores} CPU cores, torch {torch.__version__}, "
                f"executor {executor}" + (f" ({a.workers or cores} workers x 1 thread)" if executor == 'dask' else ''),
                seeds=seeds, runs_dir=[_rel(d) for d in runs_dirs], argv=sys.argv[1:], collected=a.collect)
    res, parts = merge_previous(out, a.mode, res, a.scenarios)
    res.to_csv(out / f'matrix-{a.mode}.csv', index=False, float_format='%.6g')
    (out / f'matrix-{a.mode}.meta.json').write_text(json.dumps(dict(mode=a.mode, parts=parts + [part]), indent=2))
    print(f"{len(res)} rows, {int((res.status != 'completed').sum())} failed, {wall / 60:.1f} min -> {out / f'matrix-{a.mode}.csv'}")
    print(f"wrote {out / f'matrix-{a.mode}.csv'}; nbs/benchmarks.ipynb draws its tables")


if __name__ == '__main__':
    main()
