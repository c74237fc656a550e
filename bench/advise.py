"""`advise` measured: on the six real tables, long-tailed digits and the binary, ordinal and text scenarios, what the
advice chooses on validation, and how that choice does on test against plain cross-entropy (at 0.5 and at its
tuned rule), against the best candidate picked on test (the regret of choosing on validation), and against
scikit-learn's balanced references, with its wall time, at the default budget (300 s) and seeds (3).

    python bench/advise.py                          # every scenario, one after another (resumable)
    python bench/advise.py --scenarios real_hmda    # one; the other rows are kept
    python bench/advise.py --rerun                  # measure again what is there
    python bench/advise.py --dask                   # the speed-up of 2 Dask workers over serial (bench/results/advise-dask.csv)
    python bench/advise.py --dask --dask-scenario binary --dask-epochs 10   # short runs: starting the cluster dominates

Results: `bench/results/advise.csv`, one row per scenario, written as soon as its advice ends. Only this script
reads every candidate's test score (for the regret): `advise` reads test once, for its choice and plain CE."""
import argparse, json, platform, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCENARIOS = ['real_titanic', 'real_hmda', 'real_resume', 'real_health', 'real_mpls', 'real_chile', 'digits_lt', 'binary', 'ordinal', 'text']
OUT = ROOT / 'bench' / 'results' / 'advise.csv'


def test_score(pred, rows, key):
    "The test metric at the run's own rule"
    return pred.evaluate(rows)[key + '_tuned']


def references(task, kind, metric):
    "scikit-learn's balanced logistic regression and gradient boosting on test (tables only), tuned on validation like every run"
    from imbalance_nb.advise import fit_reference, REFERENCES
    if (task.info.get('input') or {}).get('type') != 'table': return {}
    out = {}
    for name in REFERENCES:
        d = fit_reference(name, task, splits=('valid', 'test'))
        m, _ = kind.evaluate(task, d['valid'], d['test'], metric)
        out[name] = m[metric + '_tuned']
    return out


def one(sc, budget, seeds, executor=None):
    "Advise on scenario `sc`; its row"
    import torch
    from imbalance_nb.advise import advise, _final
    from imbalance_nb.experiment import setup
    from imbalance_nb.kinds import kind_of
    from imbalance_nb.predict import load_run, split_input
    cfg, task = setup(dict(task=sc, preset='benchmark'))
    kind = kind_of(task)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        adv = advise(sc, preset='benchmark', budget=budget, seeds=seeds, executor=executor, out_dir=Path(d) / 'a')
        wall = time.perf_counter() - t0
        rows, key = split_input(task, 'test'), adv.metric
        table = adv.table
        on_test = {}                                   # every candidate's final trials on test: for the regret only
        for r in table[~table.reference].itertuples():
            dirs = sorted((Path(d) / 'a' / 'runs').glob(f"{r.rung}-{r.candidate.replace(' + ', '+').replace(' ', '_')}-seed*"))
            sc_ = [test_score(load_run(p), rows, key) for p in dirs if (p / 'predictor.json').is_file()]
            if sc_: on_test[r.candidate] = float(np.mean(sc_))
    refs = references(task, kind, key)
    best = max(on_test, key=on_test.get)
    ch, ce = adv.test['choice'], adv.test['ce']
    return dict(scenario=sc, kind=kind.name, metric=key, budget_s=budget, wall_s=round(wall, 1), threads=torch.get_num_threads(),
                chosen=adv.choice['candidate'], advised_test=ch['score'], advised_std=ch['score_std'], ce_default_test=ce['score_default'],
                ce_tuned_test=ce['score'], ce_tuned_std=ce['score_std'],
                best_on_test=best, best_on_test_score=on_test[best], regret=on_test[best] - ch['score'],
                ref_logreg=refs.get('logreg'), ref_hgb=refs.get('hgb'),
                vs_best_ref=ch['score'] / max(refs.values()) if refs else None,
                valid_chosen=float(table.set_index('candidate').valid_mean[adv.choice['candidate']]),
                epochs=json.dumps(adv.plan['epochs']), seeds_run=adv.plan['seeds_run'], survived=json.dumps(adv.plan['survived']),
                uncertain=adv.uncertain, candidates=len(table), on_test=json.dumps({k: round(v, 4) for k, v in on_test.items()}),
                machine=f"{platform.system()} {platform.machine()}", measured=datetime.now(timezone.utc).strftime('%Y-%m-%d'))


def dask_speedup(sc='ordinal', epochs=7, seeds=3, workers=2):
    "The same advice (fixed epochs, a budget it fits) serial and on a LocalCluster of `workers`: wall times and the speed-up"
    from imbalance_nb.advise import advise
    from imbalance_nb.sweep import _local_cluster
    from dask.distributed import Client
    rows = []
    for how in ('serial', f'dask_{workers}_workers'):
        with tempfile.TemporaryDirectory() as d:
            if how == 'serial':
                t0 = time.perf_counter(); adv = advise(sc, preset='benchmark', epochs=epochs, seeds=seeds, budget=36000, out_dir=Path(d) / 'a')
            else:
                with _local_cluster(workers) as cl, Client(cl) as client:
                    client.wait_for_workers(workers)
                    t0 = time.perf_counter(); adv = advise(sc, preset='benchmark', epochs=epochs, seeds=seeds, budget=36000, executor=client, out_dir=Path(d) / 'a')
            rows.append(dict(scenario=sc, how=how, wall_s=round(time.perf_counter() - t0, 1), trials=int(sum(adv.table.seeds)) + len(adv.table),
                             chosen=adv.choice['candidate'], epochs=json.dumps(adv.plan['epochs']), seeds=adv.plan['seeds_run']))
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    df['speedup'] = df.wall_s.iloc[0] / df.wall_s
    df['machine'], df['measured'] = f"{platform.system()} {platform.machine()}", datetime.now(timezone.utc).strftime('%Y-%m-%d')
    f = OUT.with_name('advise-dask.csv')                        # one pair of rows per scenario: the others' are kept
    old = pd.read_csv(f) if f.is_file() else pd.DataFrame(columns=df.columns)
    pd.concat([df, old[old.scenario != sc]], ignore_index=True).to_csv(f, index=False)
    return df


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--scenarios', nargs='+', default=SCENARIOS, choices=SCENARIOS)
    ap.add_argument('--budget', type=float, default=300)
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--rerun', action='store_true', help='measure again the scenarios already in the CSV')
    ap.add_argument('--out', default=str(OUT))
    ap.add_argument('--dask', action='store_true', help='measure the speed-up of 2 Dask workers over serial instead')
    ap.add_argument('--dask-scenario', default='ordinal', choices=SCENARIOS, help='with --dask: the task (default ordinal: runs long enough to share)')
    ap.add_argument('--dask-epochs', type=int, default=7, help="with --dask: rung 1's epochs, fixed so that both plans are the same")
    a = ap.parse_args(argv)
    if a.dask: return print(dask_speedup(a.dask_scenario, a.dask_epochs).to_string())
    out = Path(a.out)
    df = pd.read_csv(out) if out.is_file() else pd.DataFrame()
    for sc in a.scenarios:
        if not a.rerun and len(df) and sc in set(df.scenario): print(f"{sc}: in {out} already (--rerun measures it again)"); continue
        print(f"{sc}: advising ({a.budget:.0f} s budget)...", flush=True)
        row = one(sc, a.budget, a.seeds)
        print(f"  {row['chosen']}: test {row['metric']} {row['advised_test']:.3f} (plain CE {row['ce_default_test']:.3f} at 0.5, "
              f"{row['ce_tuned_test']:.3f} tuned); regret {row['regret']:.3f}; {row['wall_s']:.0f} s", flush=True)
        df = pd.concat([df[df.scenario != sc] if len(df) else df, pd.DataFrame([row])], ignore_index=True)
        df['_o'] = df.scenario.map({s: i for i, s in enumerate(SCENARIOS)}); df = df.sort_values('_o').drop(columns='_o')
        out.parent.mkdir(parents=True, exist_ok=True); df.to_csv(out, index=False)


if __name__ == '__main__': main()
