"""The quickstart's loop under DistributedDataParallel: class-balanced batches from one global draw split across the
ranks (`DistributedWeightedSampler`), and one collapse verdict on the whole validation set (`CollapseMonitor(distributed=True)`).

    torchrun --nproc_per_node 2 examples/ddp_quickstart.py            # CPU: gloo; one process per GPU: nccl
    torchrun --nproc_per_node 2 examples/ddp_quickstart.py out_dir    # also writes what each rank saw, as JSON

Each rank writes `rank<r>.json` to `out_dir` (the tests read it): the labels and indices of its training draws per
epoch, a checksum of its final weights, and the monitor's verdicts."""
import json, os, sys, warnings
import torch, torch.distributed as dist, torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler
from imbalance_nb.tasks.core import make_task
from imbalance_nb.losses import get_loss
from imbalance_nb.distributed import DistributedWeightedSampler
from imbalance_nb.collapse import CollapseMonitor, CollapseWarning

class Indexed(Dataset):
    "A task split whose items carry their index (the monitor counts each validation example once)"
    def __init__(self, ds): self.ds = ds
    def __len__(self): return len(self.ds)
    def __getitem__(self, i): return self.ds.x[i], self.ds.y[i], i

def main(out_dir=None, epochs=3):
    cuda = torch.cuda.is_available()
    dist.init_process_group('nccl' if cuda else 'gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    dev = torch.device('cuda', rank % torch.cuda.device_count()) if cuda else torch.device('cpu')
    if cuda: torch.cuda.set_device(dev)
    task = make_task('overlap', n=3000, seed=0)                      # the same data on every rank
    torch.manual_seed(0)                                             # the same initial weights on every rank
    model = DDP(nn.Sequential(nn.Linear(task.info['n_features'], 32), nn.ReLU(), nn.Linear(32, 2)).to(dev), device_ids=[dev] if cuda else None)
    loss_fn = get_loss('ce', class_counts=task.class_counts)
    sampler = DistributedWeightedSampler(task.train.labels, seed=0)   # one balanced draw per epoch, this rank's share
    train_dl = DataLoader(Indexed(task.train), batch_size=64, sampler=sampler)
    valid_dl = DataLoader(Indexed(task.valid), batch_size=256, sampler=DistributedSampler(task.valid, shuffle=False))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    mon = CollapseMonitor(patience=3, tried=dict(loss='ce', sampler='weighted'), distributed=True)
    seen = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                                     # a new global draw, the same on every rank
        model.train(); drawn = []
        for xb, yb, ib in train_dl:
            opt.zero_grad(); loss_fn(model(xb.to(dev)), yb.to(dev)).backward(); opt.step()
            drawn += ib.tolist()
        seen.append(drawn)
        model.eval()
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore', CollapseWarning)
            for xb, yb, ib in valid_dl: mon.update(yb, model(xb.to(dev)).softmax(-1)[:, 1].cpu(), index=ib)
            v = mon.end_epoch(epoch)                                 # every rank: the verdict on the whole validation set
        if rank == 0: print(f"epoch {epoch}: {v.kind}; {v.evidence['n']} validation examples judged")
        if mon.stop: break
    if out_dir:
        w = torch.cat([p.detach().float().cpu().reshape(-1) for p in model.module.parameters()])
        json.dump(dict(rank=rank, world=world, drawn=seen, labels=[task.train.labels[d].tolist() for d in seen], weights=w.tolist(),
                       history=[{k: h[k] for k in ('epoch', 'verdict', 'pr_auc')} for h in mon.history],
                       n_judged=mon.last.evidence['n'], n_valid=len(task.valid)),
                  open(os.path.join(out_dir, f'rank{rank}.json'), 'w'))
    dist.barrier()                                                   # every rank done before the group goes
    del model, train_dl, valid_dl; dist.destroy_process_group()

if __name__ == '__main__': main(*sys.argv[1:2])
