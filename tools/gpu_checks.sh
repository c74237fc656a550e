#!/usr/bin/env bash
# The GPU checks, in one go, on a machine with a CUDA device (about 5 minutes on one GPU):
#   1. the notebooks' `#| gpu` cells;   2. bench/models.py on CUDA (float32 and bfloat16);
#   3. the card's experiment at the benchmark preset on CUDA;   4. the DDP quickstart on NCCL, one process per GPU.
# Results go to bench/results/*-cuda*; the log to bench/results/gpu-checks-cuda.txt.
#   bash tools/gpu_checks.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench/results/gpu-checks-cuda.txt
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: these checks need one')" || exit 1
{
  echo "== $(date -u +%FT%TZ) $(python -c 'import torch; print(torch.cuda.get_device_name(0), torch.__version__)')"
  echo "== 1. #| gpu cells";             nbdev-test --flags gpu --timing
  echo "== 2. bench/models.py --device cuda"; python bench/models.py --device cuda
  echo "== 3. train.ipynb on CUDA";      time papermill nbs/train.ipynb /tmp/train-cuda.ipynb -p device cuda -p preset benchmark -p out_dir /tmp/train-cuda
  echo "== 4. DDP on NCCL";              python -c "import torch; from imbalance_nb.distributed import run_ddp; print(run_ddp('examples/ddp_quickstart.py', torch.cuda.device_count()).stdout)"
} 2>&1 | tee "$out"
