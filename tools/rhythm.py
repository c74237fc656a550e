"""The notebooks' rhythm, measured as the house review measured it against fastcore and miniai.

    python tools/rhythm.py [ROOT]    # ROOT: a checkout (default: this one), e.g. an older commit's `git archive`

Prints, for nbs/*.ipynb and the package: exported cells and their median length in non-blank lines (after the `#|`
line); prose cells and their median word count (the words of every markdown cell outside its heading and `>` summary
lines, so a section's opening paragraph counts; cells of headings only are left out); the share of the package's
code lines over 120 characters; and the number of `raise` statements in the package."""
import json, pathlib, re, statistics, sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
cells, prose = [], []
for p in sorted((root / 'nbs').glob('*.ipynb')):
    for c in json.loads(p.read_text())['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'code' and re.match(r'#\|\s*export', s): cells.append(sum(1 for l in s.split('\n')[1:] if l.strip()))
        elif c['cell_type'] == 'markdown':
            words = len(' '.join(l for l in s.split('\n') if not l.startswith(('#', '>'))).split())
            if words: prose.append(words)
pys = [p for p in (root / 'imbalance_nb').rglob('*.py') if p.name != '_modidx.py']
code = [l for p in pys for l in p.read_text().split('\n') if l.strip() and not l.lstrip().startswith('#')]
raises = sum(len(re.findall(r'^\s*raise\b', p.read_text(), re.M)) + len(re.findall(r':[ \t]*raise\b', p.read_text())) for p in pys)
print(f"exported cells: {len(cells)}, median {statistics.median(cells):g} lines")
print(f"prose cells: {len(prose)}, median {statistics.median(prose):g} words")
print(f"code lines: {len(code)}, {100 * sum(len(l) > 120 for l in code) / len(code):.1f}% over 120 characters")
print(f"raise statements: {raises}")
