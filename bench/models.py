"""Training throughput and peak memory of each model at its benchmark preset (issues 5 and 6).

    python bench/models.py                              # CPU, float32, every task: a table, also written to bench/results
    python bench/models.py --device cuda                # a GPU: float32 and bfloat16 autocast (MixedPrecisionCB)
    python bench/models.py --tasks spans text --steps 50
    python bench/models.py --tasks distthres dist --forward kind x   # the LM head at labelled positions vs everywhere:
                                                                      # models-cpu-forward-kind-x.md
    python bench/models.py --tasks distthres spans --malloc-trim default 65536   # glibc's trim threshold as Dask's nanny
                                                                      # sets it for its workers: models-cpu-trim.md

Each (task, precision) is measured in a fresh Python process, so one model's memory does not count against the
next. A measurement builds the task at the `benchmark` preset, the model with that preset's recipe
(`imbalance_nb.experiment.RECIPES`: width, depth, batch size) and plain cross-entropy (the spans task: the library's
default multitask loss), then runs the `Learner` for `--warmup` training steps (not timed) and `--steps`
timed ones (optimizer step included, no validation). The model is called as `run` calls it, through the task
kind's `forward` (the cities' language model computes its head only at the labelled positions); `--forward x`
calls `model(batch['x'])` instead, for the side-by-side comparison.

- samples/s: examples per second over the timed steps (a step's wall clock time, CUDA synchronised), in a
  process with glibc's default allocator settings, as training runs (`--malloc-trim 65536` adds rows timed with
  `MALLOC_TRIM_THRESHOLD_=65536`, what Dask's nanny gives its workers unless told otherwise).
- step_peak_mib: what one training step adds at its peak to a warm process (activations, their gradients,
  temporaries), above the steady state of data, weights, gradients and optimizer state. CPU: the resident set,
  sampled every 2 ms during the timed steps, minus the resident set just before them, in a second process run
  with `MALLOC_MMAP_THRESHOLD_=65536`, so glibc maps every block of 64 KiB or more on its own and unmaps it when
  torch frees it, and the resident set follows the live tensors (without it, freed memory stays cached and the
  figure depends on the allocator's history). That setting faults every such block in again on each step, so it
  would slow the step it measures: the timing comes from the first process. CUDA: `torch.cuda.max_memory_allocated()` minus the memory allocated
  before the timed steps.
- saved_mib: bytes of the distinct storages autograd saves for backward in one training forward
  (`torch.autograd.graph.saved_tensors_hooks`): the activations a step must keep, measured without any allocator,
  as a cross-check of step_peak_mib (which also holds the gradients and temporaries of backward).
- state_mib: weights + gradients + AdamW's two moments, 16 bytes per parameter (exact for float32 training).
Timings are from one process per row on whatever machine runs this; read them as sizes on a quiet machine, and
compare rows of one run (`--forward`, `--malloc-trim`) rather than runs of different days."""
from __future__ import annotations
import argparse, itertools, json, os, platform, subprocess, sys, threading, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = ['distthres', 'dist', 'spans', 'binary', 'ordinal', 'text']


def _rss():
    import psutil
    return psutil.Process().memory_info().rss


class _PeakRSS:
    "Samples the resident set in a thread; `.peak` is the largest seen"
    def __init__(self, every=0.002): self.every, self.peak, self._stop = every, 0, threading.Event()
    def __enter__(self):
        self.start = self.peak = _rss()
        def loop():
            while not self._stop.is_set(): self.peak = max(self.peak, _rss()); time.sleep(self.every)
        self._t = threading.Thread(target=loop, daemon=True); self._t.start(); return self
    def __exit__(self, *a): self._stop.set(); self._t.join(); self.peak = max(self.peak, _rss())


def saved_for_backward(learn, dls, dev, precision):
    "Bytes of the distinct storages autograd saves for backward in one training forward (a cross-check of the peak)"
    import torch
    from imbalance_nb.data import to_device
    b = to_device(next(iter(dls.train)), dev)
    seen = {}
    def pack(x): seen[x.untyped_storage().data_ptr()] = x.untyped_storage().nbytes(); return x
    learn.model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x), \
         torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == 'bf16'):
        learn.loss_func(learn.forward(learn.model, b), b['y'])
    return sum(seen.values())


def measure(task_name, device='cpu', precision='fp32', warmup=10, steps=100, threads=None, forward='kind'):
    "One row: throughput and peak memory of training `task_name`'s model (run in its own process)"
    import torch
    from imbalance_nb.core import set_seed
    from imbalance_nb.tasks.core import make_task
    from imbalance_nb.experiment import RECIPES, recipe
    from imbalance_nb.kinds import build_model, task_loss, kind_of
    from imbalance_nb.data import DataLoaders, batch_size
    from imbalance_nb.learner import Learner, Callback, CancelFitException
    from imbalance_nb.callbacks import DeviceCB, MixedPrecisionCB
    if threads: torch.set_num_threads(threads)
    r = recipe(task_name, 'benchmark')
    set_seed(0)
    task = make_task(task_name, seed=0, **RECIPES['benchmark'][task_name]['task'])
    model = build_model(task, **(r['model_kwargs'] or {}))
    loss = task_loss(task, 'ce')               # spans: the library's default multitask loss (normalized combiner)
    bs = r['batch_size']
    dls = DataLoaders.from_task(task, batch_size=bs, pin_memory=device.startswith('cuda'))
    dev = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)

    class TimerCB(Callback):
        "Counts training steps; times the steps after `warmup` and stops the fit after `warmup + steps`"
        order = 100
        def __init__(self): self.i, self.n, self.t0, self.t = 0, 0, None, 0.
        def before_batch(self, learn):
            if learn.training and self.i == warmup:
                sync(); self.t0 = time.perf_counter()
                if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev); self.base, self.rss = torch.cuda.memory_allocated(dev), _rss()
                self.mem.__enter__() if self.mem else None
        def after_step(self, learn):
            self.i += 1
            if self.i > warmup: self.n += batch_size(learn.batch['x'])
            if self.i == warmup + steps:
                sync(); self.t = time.perf_counter() - self.t0
                self.mem.__exit__() if self.mem else None
                raise CancelFitException()

    tcb = TimerCB()
    cbs = [DeviceCB(dev), tcb] + ([MixedPrecisionCB(cpu=True)] if precision == 'bf16' else [])
    learn = Learner(model, dls, loss, lr=1e-3, cbs=cbs, forward=kind_of(task).forward if forward == 'kind' else None)
    import gc; gc.collect()
    tcb.mem = _PeakRSS() if dev.type == 'cpu' else None
    # enough epochs for warmup + steps on a small training split
    per_epoch = max(1, len(dls.train))
    learn.fit(max(1, -(-(warmup + steps) // per_epoch)))
    if tcb.n == 0 or tcb.t == 0: raise RuntimeError(f"{task_name}: fewer than {warmup + steps} training steps ran")
    row = dict(task=task_name, model=type(model).__name__, params=sum(p.numel() for p in model.parameters()),
               n_train=len(task.train), batch_size=bs, device=str(dev), precision=precision, forward=forward,
               threads=torch.get_num_threads(), steps=steps, samples_per_s=tcb.n / tcb.t, ms_per_step=1000 * tcb.t / steps,
               epoch_s_est=len(task.train) / (tcb.n / tcb.t))
    if dev.type == 'cuda':
        row.update(step_peak_mib=(torch.cuda.max_memory_allocated(dev) - tcb.base) / 2**20, rss_before_mib=tcb.rss / 2**20)
    else:
        row.update(step_peak_mib=(tcb.mem.peak - tcb.mem.start) / 2**20, rss_before_mib=tcb.mem.start / 2**20)
    row['state_mib'] = 16 * row['params'] / 2**20
    row['saved_mib'] = saved_for_backward(learn, dls, dev, precision) / 2**20
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'cuda:N'")
    ap.add_argument('--precision', nargs='+', choices=['fp32', 'bf16'], default=None,
                    help="default: fp32 on the CPU (autocast is opt-in there), fp32 and bf16 on CUDA")
    ap.add_argument('--tasks', nargs='+', choices=TASKS, default=TASKS)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's own)")
    ap.add_argument('--malloc-trim', nargs='+', default=['default'],
                    help="glibc's MALLOC_TRIM_THRESHOLD_ for the timed process: 'default' (unset) and/or a number of bytes "
                         "(65536 is what Dask's nanny sets for its workers)")
    ap.add_argument('--forward', nargs='+', choices=['kind', 'x'], default=['kind'],
                    help="kind: as run calls the model (the task kind's forward); x: model(batch['x']); both: side by side")
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results'), help="folder for models-<device>.md; '' to skip")
    ap.add_argument('--one', default=None, help=argparse.SUPPRESS)   # internal: measure one (task, precision), print JSON
    a = ap.parse_args(argv)
    if a.device != 'cpu' and not a.device.startswith('cuda'):
        ap.error(f"--device {a.device!r} is not valid; choose 'cpu', 'cuda' or 'cuda:N'")
    bad = [v for v in a.malloc_trim if v != 'default' and not v.isdigit()]
    if bad: ap.error(f"--malloc-trim {bad[0]!r} is not valid; choose 'default' or a number of bytes (e.g. 65536)")
    for nm in ('warmup', 'steps'):
        if getattr(a, nm) < (0 if nm == 'warmup' else 1): ap.error(f"--{nm} {getattr(a, nm)} is not valid; choose a positive integer")
    if a.device.startswith('cuda'):
        import torch
        if not torch.cuda.is_available(): ap.error(f"--device {a.device!r}: no CUDA device here; choose --device cpu")
    if a.one:
        task, prec, fwd = a.one.split(':')
        print('ROW ' + json.dumps(measure(task, a.device, prec, a.warmup, a.steps, a.threads, fwd)), flush=True); return
    precs = a.precision or (['fp32'] if a.device == 'cpu' else ['fp32', 'bf16'])
    import pandas as pd, torch
    plain = {k: v for k, v in os.environ.items() if k not in ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_')}
    def one(t, p, fwd, env):
        cmd = [sys.executable, __file__, '--one', f'{t}:{p}:{fwd}', '--device', a.device, '--warmup', str(a.warmup),
               '--steps', str(a.steps)] + (['--threads', str(a.threads)] if a.threads else [])
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**plain, **env})
        line = next((l for l in r.stdout.splitlines() if l.startswith('ROW ')), None)
        if r.returncode or line is None:
            print(f"{t} {p} {fwd}: failed\n{r.stderr[-2000:]}", file=sys.stderr)
            return dict(error=(r.stderr.strip().splitlines() or ['?'])[-1][:200])
        return json.loads(line[4:])
    TIMING, MEMORY = ('samples_per_s', 'ms_per_step', 'epoch_s_est'), ('step_peak_mib', 'rss_before_mib', 'saved_mib')
    rows = []
    for t, p, fwd, trim in itertools.product(a.tasks, precs, a.forward, a.malloc_trim):
        timed = one(t, p, fwd, {} if trim == 'default' else {'MALLOC_TRIM_THRESHOLD_': trim})
        mem = one(t, p, fwd, {'MALLOC_MMAP_THRESHOLD_': '65536'}) if a.device == 'cpu' else timed
        row = {**{k: v for k, v in mem.items() if k not in TIMING}, **{k: timed.get(k) for k in TIMING},
               'task': t, 'precision': p, 'forward': fwd, 'malloc_trim': trim}
        if 'error' in timed or 'error' in mem: row['error'] = timed.get('error') or mem.get('error')
        rows.append(row)
        if 'error' not in row: print(f"  {t} {p} {fwd} trim={trim}: {row['samples_per_s']:.0f} samples/s", flush=True)
    df = pd.DataFrame(rows)
    cols = ['task', 'model', 'params', 'n_train', 'batch_size', 'precision', 'forward', 'malloc_trim', 'threads', 'samples_per_s', 'ms_per_step',
            'epoch_s_est', 'step_peak_mib', 'saved_mib', 'state_mib', 'rss_before_mib']
    cols += ['error'] if 'error' in df else []
    df = df.reindex(columns=cols)
    fmt = {'samples_per_s': '{:.0f}', 'ms_per_step': '{:.1f}', 'epoch_s_est': '{:.1f}', 'step_peak_mib': '{:.1f}', 'saved_mib': '{:.1f}', 'state_mib': '{:.2f}', 'rss_before_mib': '{:.0f}'}
    show = df.copy()
    for c, f in fmt.items(): show[c] = [f.format(v) if pd.notna(v) else '' for v in show[c]]
    dev_desc = torch.cuda.get_device_name(a.device) if a.device.startswith('cuda') else f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPU cores"
    head = (f"# Training throughput and peak memory per model (benchmark preset)\n\n"
            f"`python bench/models.py --device {a.device}{' --tasks ' + ' '.join(a.tasks) if a.tasks != TASKS else ''}"
            f"{' --precision ' + ' '.join(precs) if a.precision else ''}{' --threads ' + str(a.threads) if a.threads else ''}"
            f"{' --forward ' + ' '.join(a.forward) if a.forward != ['kind'] else ''}{' --malloc-trim ' + ' '.join(a.malloc_trim) if a.malloc_trim != ['default'] else ''}{' --steps ' + str(a.steps) if a.steps != 100 else ''}{' --warmup ' + str(a.warmup) if a.warmup != 10 else ''}`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {dev_desc}, "
            f"torch {torch.__version__}; {a.warmup} warm-up steps, then {a.steps} timed training steps (forward, loss, backward, "
            f"AdamW step; no validation), timed in a fresh process per row (glibc defaults unless `malloc_trim` says) and its memory measured in another; forward `kind`: the model called as `run` calls it (the LM "
            "head only at labelled positions), `x`: `model(batch['x'])`. step_peak_mib: what a training step adds at its peak, above "
            "data, weights, gradients and optimizer state: " +
            ("`torch.cuda.max_memory_allocated` minus the memory allocated before the timed steps" if a.device != 'cpu' else
             "the largest resident set during the timed steps minus the one before them, with `MALLOC_MMAP_THRESHOLD_=65536` so "
             "that freed tensors leave the resident set (small models' steps fit in already-resident heap and read near 0)") +
            "; saved_mib: the tensors autograd saves for backward in one training forward (autograd's saved-tensor hooks; "
            "a cross-check of step_peak_mib that does not depend on an allocator)"
            "; state_mib: weights + gradients + AdamW moments (16 bytes per parameter); rss_before_mib: the process's resident "
            "set before the timed steps (Python, torch, the task's data, the model and optimizer state). "
            "epoch_s_est: n_train / samples_per_s.\n\n")
    table = '\n'.join(['| ' + ' | '.join(show.columns) + ' |', '|' + '---|' * len(show.columns)]
                      + ['| ' + ' | '.join(str(v) for v in r) + ' |' for r in show.itertuples(index=False)])
    print('\n' + head + table)
    if a.out:
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        name = (('cpu' if a.device == 'cpu' else 'cuda') + ('' if a.forward == ['kind'] else '-forward-' + '-'.join(a.forward))
                + ('' if a.malloc_trim == ['default'] else '-trim'))
        (out / f'models-{name}.md').write_text(head + table + '\n')
        df.to_csv(out / f'models-{name}.csv', index=False)
        print(f"\nwritten: {out / f'models-{name}.md'}")


if __name__ == '__main__':
    main()
