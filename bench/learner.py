"""Learner overhead benchmark: seconds per epoch of `Learner.fit` against a bare PyTorch loop, same model and data.

    python bench/learner.py                 # CPU: an MLP on 50k x 32 synthetic rows, batch 256, 3 epochs
    python bench/learner.py --device cuda --reps 7
    python bench/learner.py --threads 0          # torch's default thread count (noisy on a loaded machine)

Each repetition trains a fresh model (same seed) for `--epochs` epochs (a training pass and a validation pass
each); the variants run round-robin so load spikes hit all alike. The table shows seconds per epoch, median and
minimum over the repetitions, each with its overhead against the bare loop (the minimum is the steadier figure on a
shared machine).
Batches come from a batched-index loader (one tensor gather per batch), so data loading does not hide the
trainer's overhead. 'all callbacks' also does real extra work the bare loop does not (gradient clipping,
an lr schedule, metrics, CSV files with fsync, a checkpoint every epoch)."""
import argparse, statistics, tempfile, time, warnings
import torch, torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, BatchSampler, RandomSampler, SequentialSampler
import pandas as pd
from imbalance_nb.core import get_device, set_seed, torch_generator
from imbalance_nb.tasks.core import DictDataset
from imbalance_nb.data import DataLoaders
from imbalance_nb.learner import Learner
from imbalance_nb.callbacks import (DeviceCB, MetricsCB, LRScheduleCB, ClipGradCB, CollapseGuardCB, EarlyStoppingCB,
                                    CheckpointCB, NonFiniteGuardCB, MixedPrecisionCB)
from imbalance_nb.diagnostics import CSVLoggerCB

def make_data(n=50_000, n_valid=10_000, d=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n + n_valid, d, generator=g)
    w = torch.randn(d, generator=g)
    y = (x @ w + 0.5 * torch.randn(n + n_valid, generator=g) > 2.5).long()     # ~10% positives
    tr, va = DictDataset(x[:n], y[:n]), DictDataset(x[n:], y[n:])
    loader = lambda ds, s, bs: DataLoader(ds, batch_size=None, sampler=BatchSampler(s, bs, drop_last=False))
    return DataLoaders(loader(tr, RandomSampler(tr, generator=torch_generator(seed)), 256),
                       loader(va, SequentialSampler(va), 1024))

def mlp(d=32, h=256):
    return nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))

def bare(model, dls, epochs, dev):
    "The loop one would write by hand: train, then a validation loss, every epoch"
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    model.to(dev)
    for _ in range(epochs):
        model.train()
        for b in dls.train:
            x, y = b['x'].to(dev, non_blocking=True), b['y'].to(dev, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        model.eval(); tot, n = 0., 0
        with torch.no_grad():
            for b in dls.valid:
                x, y = b['x'].to(dev, non_blocking=True), b['y'].to(dev, non_blocking=True)
                tot += F.cross_entropy(model(x), y) * len(y); n += len(y)
        float(tot / n)

def variants(dev, tmp):
    dcb = lambda: DeviceCB(dev)
    def all_cbs():
        cbs = [dcb(), LRScheduleCB(0.1), ClipGradCB(1.0), MetricsCB(), CollapseGuardCB(), EarlyStoppingCB('f1', patience=10),
               CSVLoggerCB(tmp + '/run', feature_every=1, grad_every=1), CheckpointCB(tmp + '/ck'), NonFiniteGuardCB()]
        return cbs + ([MixedPrecisionCB()] if torch.device(dev).type == 'cuda' else [])
    return {'bare PyTorch loop': None,
            'Learner (no callbacks)': lambda: [],
            'Learner + DeviceCB + MetricsCB': lambda: [dcb(), MetricsCB()],
            'Learner + all callbacks': all_cbs}

def main(device='cpu', epochs=3, reps=5, threads=None):
    if threads: torch.set_num_threads(threads)
    dev = get_device(device)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
    dls = make_data()
    warnings.simplefilter('ignore')
    with tempfile.TemporaryDirectory() as tmp:
        vs = variants(str(dev), tmp)
        times = {k: [] for k in vs}
        for r in range(reps + 1):                      # round 0 warms up
            for k, cbs in vs.items():
                set_seed(0); model = mlp()
                sync(); t0 = time.perf_counter()
                if cbs is None: bare(model, dls, epochs, dev)
                else: Learner(model, dls, F.cross_entropy, lr=1e-3, cbs=cbs()).fit(epochs)
                sync(); dt = (time.perf_counter() - t0) / epochs
                if r: times[k].append(dt)
    base, base_min = statistics.median(times['bare PyTorch loop']), min(times['bare PyTorch loop'])
    rows = [dict(variant=k, median_s=statistics.median(v), overhead_pct=100 * (statistics.median(v) / base - 1),
                 min_s=min(v), overhead_min_pct=100 * (min(v) / base_min - 1), max_s=max(v)) for k, v in times.items()]
    print(f"device={dev}, threads={torch.get_num_threads()}, {len(dls.train)} train + {len(dls.valid)} valid batches per epoch, "
          f"{epochs} epochs, median of {reps} round-robin runs")
    print(pd.DataFrame(rows).set_index('variant').round(4).to_string())

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu'); ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--reps', type=int, default=5); ap.add_argument('--threads', type=int, default=1, help='torch threads (1: stable timings on a shared machine; 0: torch default)')
    main(**vars(ap.parse_args()))
