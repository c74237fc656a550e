"""Loss speed benchmark: forward+backward time of each loss against torch's fused cross-entropy / BCE.

"eager" rows force `set_fused('never')`, "compiled" rows `set_fused('always')` (the one-off compile happens in the
warm-up rounds); other rows use the default, `'auto'`, which compiles only on CUDA.

    python bench/losses.py            # CPU, the sizes the issue names (4M binary elements, 1M x 5 classes)
    python bench/losses.py --device cuda

Prints one table; ratios are measured in the same run (median of `--reps` timed repetitions after warm-up)."""
import argparse, time, statistics
import torch, torch.nn.functional as F
import pandas as pd
from imbalance_nb.core import get_device, set_seed
from imbalance_nb.losses import get_loss, sigmoid_focal_loss, focal_loss, set_fused

def textbook_sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    "The torchvision formula, eight element-wise passes"
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction='none')
    loss = ce * (1 - (p * t + (1 - p) * (1 - t))) ** gamma
    return ((alpha * t + (1 - alpha) * (1 - t)) * loss).mean()

def eager(f, *args, **kw):
    set_fused('never')
    try: return f(*args, **kw)
    finally: set_fused('auto')

def fused(f, *args, **kw):
    set_fused('always')
    try: return f(*args, **kw)
    finally: set_fused('auto')

def timeit_all(fns, x, t, reps=9, sync=lambda: None):
    "Median forward+backward seconds of each function, run round-robin so load spikes hit all alike"
    ts = {k: [] for k in fns}
    for r in range(reps + 2):
        for k, f in fns.items():
            x.grad = None; sync(); t0 = time.perf_counter()
            f(x, t).backward(); sync()
            if r >= 2: ts[k].append(time.perf_counter() - t0)   # the first two rounds warm up
    return {k: statistics.median(v) for k, v in ts.items()}

def main(device='cpu', n_binary=4_000_000, n_multi=1_000_000, n_classes=5, reps=9):
    dev = get_device(device); set_seed(0)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
    xb = torch.randn(n_binary, device=dev, requires_grad=True); tb = (torch.rand(n_binary, device=dev) < .1).float()
    xm = torch.randn(n_multi, n_classes, device=dev, requires_grad=True); tm = torch.randint(0, n_classes, (n_multi,), device=dev)
    counts = torch.bincount(tm, minlength=n_classes).cpu().numpy()
    binary = {'F.binary_cross_entropy_with_logits': lambda x, t: F.binary_cross_entropy_with_logits(x, t),
              'textbook sigmoid focal (torchvision formula)': textbook_sigmoid_focal,
              'sigmoid_focal_loss (gamma=2, alpha=.25), eager': lambda x, t: eager(sigmoid_focal_loss, x, t, alpha=.25),
              'sigmoid_focal_loss (gamma=2, alpha=.25), compiled': lambda x, t: fused(sigmoid_focal_loss, x, t, alpha=.25),
              'sigmoid_focal_loss (gamma=2), eager': lambda x, t: eager(sigmoid_focal_loss, x, t),
              'sigmoid_focal_loss (gamma=2), compiled': lambda x, t: fused(sigmoid_focal_loss, x, t),
              'sigmoid_focal_loss (gamma=1.5, pos_weight=3), compiled': lambda x, t: fused(sigmoid_focal_loss, x, t, gamma=1.5, pos_weight=3.),
              'bce (ours: sigmoid_focal_loss gamma=0), compiled': lambda x, t: fused(sigmoid_focal_loss, x, t, gamma=0)}
    multi = {'F.cross_entropy': lambda x, t: F.cross_entropy(x, t),
             'focal_loss (gamma=2), eager': lambda x, t: eager(focal_loss, x, t),
             'focal_loss (gamma=2), compiled': lambda x, t: fused(focal_loss, x, t),
             'focal_loss (gamma=2, alpha, weight)': lambda x, t: focal_loss(x, t, alpha=[.1, .2, .3, .2, .2], weight=[1, 2, 3, 4, 5]),
             'focal_loss (gamma=2, label_smoothing=.1)': lambda x, t: focal_loss(x, t, label_smoothing=.1),
             'weighted_ce': get_loss('weighted_ce', class_counts=counts),
             'cb_focal': get_loss('cb_focal', class_counts=counts),
             'logit_adjusted': get_loss('logit_adjusted', class_counts=counts),
             'ldam_drw': get_loss('ldam_drw', class_counts=counts)}
    rows = []
    for group, fns, x, t, base, target in [(f'binary {n_binary:,}', binary, xb, tb, 'F.binary_cross_entropy_with_logits', ('sigmoid_focal_loss', '<= 2.0')),
                                           (f'{n_multi:,} x {n_classes}', multi, xm, tm, 'F.cross_entropy', ('focal_loss (gamma=2)', '<= 1.1'))]:
        ts = timeit_all(fns, x, t, reps=reps, sync=sync)
        for k, s in ts.items():
            rows.append(dict(group=group, loss=k, ms=s * 1e3, ratio=s / ts[base],
                             target=target[1] if k.startswith(target[0].split(' (')[0]) and '(gamma=2' in k and 'alpha, weight' not in k and 'smoothing' not in k else ''))
    df = pd.DataFrame(rows)
    print(f"device={dev} torch={torch.__version__} threads={torch.get_num_threads()} reps={reps} (median, round-robin)")
    print(df.to_string(index=False, float_format=lambda v: f'{v:.2f}'))
    return df

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu'); p.add_argument('--reps', type=int, default=9)
    p.add_argument('--n-binary', type=int, default=4_000_000); p.add_argument('--n-multi', type=int, default=1_000_000)
    a = p.parse_args()
    main(a.device, a.n_binary, a.n_multi, reps=a.reps)
