"""What each runtime dependency costs to install: packages, megabytes and seconds, each in a fresh venv.

    python bench/deps.py            # writes bench/results/deps.md (a few minutes: one venv per line, no pip cache)

Each requirement is installed alone into a new virtual environment (pip upgraded first, not counted); the
figures are what `pip install REQ` adds to it. torch is left out: it is the point of the library, and its CPU
wheel is installed first by the README's commands anyway.
"""
import argparse, subprocess, sys, tempfile, time, venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQS = ['fastprogress==1.1.6', 'fastprogress==1.0.5', 'tqdm', 'fastcore', 'numpy', 'pandas', 'scikit-learn',
        'matplotlib', 'seaborn']
WHY = {'fastprogress==1.1.6': 'the newest: python-fasthtml, uvicorn, starlette, httpx... for a progress bar',
       'fastprogress==1.0.5': 'what `fastprogress>=1.0.3,<1.1` installs: the same bars, no dependencies',
       'tqdm': 'the alternative (needs ipywidgets for notebook bars)',
       'fastcore': '`@patch`; also nbdev\'s base', 'seaborn': 'heatmaps and catplots (its weight is matplotlib and pandas)'}


def _size(p): return sum(f.stat().st_size for f in Path(p).rglob('*') if f.is_file()) / 2**20


def measure(req):
    with tempfile.TemporaryDirectory() as d:
        venv.create(d, with_pip=True)
        py = str(Path(d) / 'bin' / 'python')
        pip = lambda *a: subprocess.run([py, '-m', 'pip', '-q', *a], check=True, capture_output=True, text=True)
        pip('install', '-U', 'pip')
        freeze = lambda: set(subprocess.run([py, '-m', 'pip', 'freeze'], capture_output=True, text=True).stdout.split())
        before, mb0, t = freeze(), _size(d), time.perf_counter()
        pip('install', '--no-cache-dir', req)
        s = time.perf_counter() - t
        added = sorted(freeze() - before)
        return dict(req=req, n=len(added), mb=_size(d) - mb0, s=s, added=added)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'deps.md'))
    a = ap.parse_args()
    rows = [measure(r) for r in REQS]
    lines = ["What installing each runtime dependency alone adds to a fresh venv (`python bench/deps.py`; "
             f"Python {sys.version.split()[0]}, no pip cache, wall seconds on this machine's network).", '',
             '| requirement | packages added | MB | seconds | note |', '|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| `{r['req']}` | {r['n']} | {r['mb']:.0f} | {r['s']:.1f} | {WHY.get(r['req'], '')} |")
    lines += ['', 'Packages added:', '']
    lines += [f"- `{r['req']}`: {', '.join(p.split('==')[0] for p in r['added'])}" for r in rows]
    Path(a.out).write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__': main()
