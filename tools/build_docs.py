#!/usr/bin/env python
"""Build the docs site offline, from the same notebooks `nbdev-docs` renders with Quarto.

Quarto cannot be installed on every machine (its package downloads a binary), so this renders the site with
nbconvert instead:

1. nbdev's own processors add a `show_doc` cell after every exported definition (as `nbdev-docs` does);
2. nbclient executes each notebook top to bottom in its own folder (`IN_TEST=1`, so runs write to temporary
   folders; cells flagged `#| slow` or `#| gpu` are not run and keep the outputs saved in the notebook);
3. nbdev's processors then hide `#| hide` cells and exported source, and link backticked names to their API pages;
   the Quarto cell options that remain (`echo`, `output`, `include`) are applied here, and LaTeX math becomes
   MathML (latex2mathml), so pages need no script from the internet;
4. nbconvert's HTML exporter writes one page per notebook with the sidebar from `nbs/sidebar.yml` (the same file
   Quarto reads); plots are embedded as PNG images, links to notebooks and to the site become relative links.

    python tools/build_docs.py                 # the whole site into _site/ (open _site/index.html)
    python tools/build_docs.py --only losses   # only the pages whose notebook path contains 'losses'
    python tools/build_docs.py --no-execute    # render saved outputs only (fast; no plots for cleaned notebooks)
    python tools/build_docs.py --inplace       # execute, and write the outputs into nbs/*.ipynb (for `nbdev-docs`)

`--inplace` writes the outputs into the source notebooks (never commit them). The Quarto route does not need it:
`PYTHONPATH=. nbdev-docs` executes each notebook itself through `tools/docs_exec.py` (pyproject's `doc_procs`), with
the same `prepare` and `execute` as here, because the Pages workflow's action checks the repository out again
before `nbdev-docs` and would discard outputs written in an earlier step.
"""
import argparse, concurrent.futures as cf, copy, html, os, re, shutil, sys, tempfile, time
from pathlib import Path

import nbformat, yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
TEMPLATE_DIR = Path(__file__).resolve().parent / 'docs_template'
SITE_URL_RE = re.compile(r'https?://imbalance-nb\.github\.io/imbalance_nb/')
DIRECTIVE_RE = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
SKIP_FLAGS = ('slow', 'gpu')


def html_name(nb_rel: str) -> str:
    "The page a notebook becomes, as nbdev names it: 'tutorials/01_accuracy_trap.ipynb' -> 'tutorials/accuracy_trap.html'"
    from nbdev.quarto import nbpath2html
    return nbpath2html(Path(nb_rel)).as_posix()


def read_sidebar(path=NBS / 'sidebar.yml'):
    "[(section or None, [notebook paths relative to nbs/])] from Quarto's sidebar file"
    items = yaml.safe_load(path.read_text())['website']['sidebar']['contents']
    out = []
    for it in items:
        if isinstance(it, str): out.append((None, [it]))
        else: out.append((it['section'], list(it['contents'])))
    for _, nbs in out:
        for n in nbs:
            if not (NBS / n).is_file(): sys.exit(f"nbs/sidebar.yml lists {n!r}, which is not a file in nbs/")
    return out


def _directives(src):
    "Leading `#| key: value` lines of a code cell as a dict, and the source without them"
    lines, d = src.splitlines(), {}
    i = 0
    while i < len(lines) and (DIRECTIVE_RE.match(lines[i]) or not lines[i].strip()):
        m = DIRECTIVE_RE.match(lines[i])
        if m: d[m.group(1).lower()] = m.group(2).strip().strip('"').lower()
        i += 1
    return d, '\n'.join(lines[i:])


def _to_nbformat(nb, tmp: Path):
    "An nbdev-processed notebook (fastcore's dict form) as an nbformat node, through nbdev's own writer"
    from fastcore.nbio import write_nb
    write_nb(nb, tmp)
    return nbformat.read(tmp, as_version=4)


def prepare(nb_path: Path, dst: Path):
    "nbdev's `add_show_docs`; flag slow/gpu cells so nbclient skips them; a first hidden cell imports `show_doc`"
    from nbdev.process import NBProcessor
    from nbdev.processors import populate_language, add_show_docs
    proc = NBProcessor(nb_path, procs=[populate_language, add_show_docs], rm_directives=False)
    proc.process()
    nb = _to_nbformat(proc.nb, dst)
    for c in nb.cells:
        c.pop('idx_', None); c.pop('has_sd', None); c.pop('directives_', None)
        if c.cell_type != 'code': continue
        c.setdefault('outputs', []); c.setdefault('execution_count', None)
        d, _ = _directives(c.source)
        if any(f in d for f in SKIP_FLAGS): c.metadata.setdefault('tags', []).append('skip-execution')
        else: c.outputs = []
    first = nbformat.v4.new_code_cell('#| hide\nfrom nbdev.showdoc import show_doc\n'
                                      "get_ipython().run_line_magic('precision', '4')      # floats printed rounded, in dicts too\n"
                                      "import pandas as pd; pd.set_option('display.precision', 4)")
    nb.cells.insert(0, first)
    for k in list(nb):
        if k not in ('cells', 'metadata', 'nbformat', 'nbformat_minor'): nb.pop(k)
    nbformat.validator.normalize(nb)
    nbformat.write(nb, dst)


def execute(src: Path, dst: Path, cwd: Path, timeout: int, threads: int = 1):
    "Run a prepared notebook top to bottom with nbclient (torch gets `threads` threads); an error names the notebook and the cell"
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(src, as_version=4)
    env_fix = {'IN_TEST': '1', 'MPLBACKEND': 'module://matplotlib_inline.backend_inline', 'OMP_NUM_THREADS': str(threads)}
    old = {k: os.environ.get(k) for k in env_fix}
    os.environ.update(env_fix)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(cwd)}},
                       skip_cells_with_tag='skip-execution').execute()
    except CellExecutionError as e:
        raise RuntimeError(f"{src.name}: a cell failed while building the docs:\n{str(e)[-3000:]}") from None
    finally:
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    nbformat.write(nb, dst)


def finish(src: Path):
    "nbdev's docs processors (hide, exported source out, show_doc input out, links), then the Quarto cell options"
    from nbdev.process import NBProcessor
    from nbdev.processors import (populate_language, strip_ansi, hide_line, rm_header_dash, clean_show_doc,
                                  rm_export, clean_magics, hide_, strip_hidden_metadata)
    from nbdev.doclinks import NbdevLookup
    lookup = NbdevLookup(strip_libs='imbalance_nb')
    private = re.compile(r'\[(`[\w.]*\b_\w*`)\]\([^)]*\)')   # private names have no API entry to link to

    def linkify(md): return private.sub(r'\1', lookup.linkify(md))

    def links(cell):
        if cell.cell_type == 'markdown': cell.source = linkify(cell.source)
        for o in cell.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md is not None: o['data']['text/markdown'] = linkify(''.join(md) if isinstance(md, list) else md)

    proc = NBProcessor(src, procs=[populate_language, strip_ansi, hide_line, rm_header_dash, clean_show_doc,
                                   rm_export, clean_magics, hide_, links, strip_hidden_metadata], rm_directives='quarto')
    proc.process()
    nb = _to_nbformat(proc.nb, src.with_suffix('.fin.ipynb'))
    cells = []
    for c in nb.cells:
        for k in ('idx_', 'has_sd', 'directives_'): c.pop(k, None)
        if 'source' not in c: continue
        if c.cell_type == 'code':
            d, body = _directives(c.source)
            if d.get('include') == 'false': continue
            c.source = body
            if d.get('output') == 'false': c.outputs = []
            if d.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
            if not c.source.strip() and not c.get('outputs'): continue
        elif c.cell_type == 'markdown':
            if 'WARNING: THIS FILE WAS AUTOGENERATED' in c.source: continue
            c.source = math_to_mathml(c.source)
        cells.append(c)
    nb.cells = cells
    return nb


_CODE_RE = re.compile(r'(```.*?```|`[^`\n]*`)', re.S)
_MATH_RE = re.compile(r'\$\$(.+?)\$\$|(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])', re.S)


def math_to_mathml(md):
    "`$...$` and `$$...$$` outside code as MathML, which browsers render with no script and no download"
    from latex2mathml.converter import convert
    def one(m):
        tex, display = (m.group(1), 'block') if m.group(1) is not None else (m.group(2), 'inline')
        try: return convert(tex.strip(), display=display)
        except Exception: return m.group(0)              # leave what it cannot parse as written
    parts = _CODE_RE.split(md)
    return ''.join(p if i % 2 else _MATH_RE.sub(one, p) for i, p in enumerate(parts))


def title_of(nb):
    "The notebook's `# Title` (nbdev's frontmatter convention)"
    for c in nb.cells:
        if c.cell_type == 'markdown':
            m = re.search(r'^#\s+(.+)$', c.source, re.M)
            if m: return m.group(1).strip()
    return None


def slug(text):
    "Quarto's heading ids: lower case, spaces to '-', other punctuation dropped"
    text = html.unescape(re.sub(r'<[^>]+>', '', text)).strip().lower()
    text = re.sub(r'[^\w\s.-]', '', text)
    return re.sub(r'\s+', '-', text)


def fix_html(body, page):
    "Relative links (notebooks and the published site), Quarto-style heading ids, no anchor-link pilcrows"
    depth = page.count('/')
    up = '../' * depth

    def href(m):
        q, url = m.group(1), html.unescape(m.group(2))
        url = SITE_URL_RE.sub(up, url)
        if not re.match(r'^[a-z]+:', url) and not url.startswith('#'):
            path, _, frag = url.partition('#')
            if path.endswith('.ipynb'):
                target = os.path.normpath(os.path.join(os.path.dirname(page), path))
                path = os.path.relpath(html_name(target), os.path.dirname(page) or '.')
            url = path + ('#' + frag if frag else '')
        return f'href={q}{html.escape(url, quote=True)}{q}'
    body = re.sub(r'href=(["\'])(.*?)\1', href, body)

    def heading(m):
        tag, attrs, inner = m.group(1), m.group(2), m.group(3)
        attrs = re.sub(r'\s*id="[^"]*"', '', attrs)
        inner = re.sub(r'<a class="anchor-link".*?</a>', '', inner, flags=re.S)
        return f'<{tag}{attrs} id="{slug(inner)}">{inner}</{tag}>'
    return re.sub(r'<(h[1-6])([^>]*)>(.*?)</\1>', heading, body, flags=re.S)


def nav_html(sidebar, page):
    "The sidebar, with links relative to `page` and the current page marked"
    rel = lambda p: os.path.relpath(html_name(p), os.path.dirname(page) or '.')
    out = ['<nav class="docs-sidebar"><a class="docs-home" href="%s">imbalance_nb</a>' % rel('index.ipynb')]
    for section, nbs in sidebar:
        if section: out.append(f'<div class="docs-section">{html.escape(section)}</div>')
        out.append('<ul>')
        for n in nbs:
            cur = ' class="current"' if html_name(n) == page else ''
            out.append(f'<li><a{cur} href="{rel(n)}">{html.escape(TITLES.get(n, n))}</a></li>')
        out.append('</ul>')
    out.append('</nav>')
    return '\n'.join(out)


TITLES = {}


def render(nb, nb_rel, sidebar):
    "One notebook's HTML page, `page` being where `nb_rel` is published"
    page = html_name(nb_rel)
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_cell_tags = {'remove_cell'}
    ex = HTMLExporter(config=c, template_name='imbalance_docs', extra_template_basedirs=[str(TEMPLATE_DIR)])
    ex.exclude_anchor_links = True
    nb = copy.deepcopy(nb)
    nb.metadata['title'] = TITLES.get(nb_rel, 'imbalance_nb')
    body, _ = ex.from_notebook_node(nb, resources={'nav': nav_html(sidebar, page), 'docs_css': (TEMPLATE_DIR / 'docs.css').read_text()})
    return fix_html(body, page)


def _prep_and_run(args):
    nb_rel, work, execute_, timeout, threads = args
    t = time.time()
    src = NBS / nb_rel
    prepped = Path(work) / (nb_rel.replace('/', '__') + '.prep.ipynb')
    ran = Path(work) / (nb_rel.replace('/', '__') + '.run.ipynb')
    prepare(src, prepped)
    if execute_: execute(prepped, ran, src.parent, timeout, threads)
    else: shutil.copy(prepped, ran)
    return nb_rel, str(ran), time.time() - t


def write_back(nb_rel: str, ran: Path):
    "Copy the outputs of an executed notebook into the source notebook, cell by cell id (`--inplace`)"
    src = NBS / nb_rel
    nb, done = nbformat.read(src, as_version=4), nbformat.read(ran, as_version=4)
    outs = {c.get('id'): c for c in done.cells if c.cell_type == 'code'}
    for c in nb.cells:
        r = outs.get(c.get('id'))
        if c.cell_type == 'code' and r is not None and 'skip-execution' not in r.metadata.get('tags', []):
            c.outputs, c.execution_count = r.outputs, r.execution_count
    nbformat.write(nb, src)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=str(ROOT / '_site'), help='output folder (default _site/)')
    ap.add_argument('--only', default=None, help='build only notebooks whose path contains this text')
    ap.add_argument('--no-execute', action='store_true', help='render the saved outputs instead of executing')
    ap.add_argument('--inplace', action='store_true', help='also write the outputs into the notebooks in nbs/ (for nbdev-docs)')
    ap.add_argument('--workers', type=int, default=2, help='notebooks executed at once (default 2)')
    ap.add_argument('--timeout', type=int, default=600, help='seconds per cell (default 600)')
    a = ap.parse_args()
    if a.workers < 1: sys.exit(f"--workers={a.workers} is not valid; choose 1 or more")
    t0 = time.time()
    sidebar = read_sidebar()
    listed = [n for _, nbs in sidebar for n in nbs]
    on_disk = sorted(p.relative_to(NBS).as_posix() for p in NBS.rglob('*.ipynb')
                     if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))
    missing = [n for n in on_disk if n not in listed]
    if missing: sys.exit(f"notebooks not in nbs/sidebar.yml (add them, so they get a page): {missing}")
    todo = [n for n in listed if a.only is None or a.only in n]
    if not todo: sys.exit(f"--only={a.only!r} matches no notebook; notebooks: {', '.join(listed)}")
    for n in listed:
        TITLES[n] = title_of(nbformat.read(NBS / n, as_version=4)) or n
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory() as work:
        # kernels side by side each get their share of the cores: torch's default (all cores each) oversubscribes
        # them and runs several times slower
        threads = max(1, (os.cpu_count() or 1) // a.workers)
        jobs = [(n, work, not a.no_execute, a.timeout, threads) for n in todo]
        with cf.ProcessPoolExecutor(max_workers=a.workers) as pool:
            futs = {pool.submit(_prep_and_run, j): j[0] for j in jobs}
            for f in cf.as_completed(futs):
                n = futs[f]
                try: n, ran, secs = f.result()
                except Exception as e:
                    failed.append(n); print(f"FAILED {n}: {e}", flush=True); continue
                if a.inplace: write_back(n, Path(ran))
                page = html_name(n)
                dst = out / page
                dst.parent.mkdir(parents=True, exist_ok=True)
                tmp = dst.with_suffix('.html.tmp')
                tmp.write_text(render(finish(Path(ran)), n, sidebar))
                tmp.replace(dst)
                print(f"{secs:6.1f} s  {n} -> {page}", flush=True)
    for d in ('images',):
        if (NBS / d).is_dir(): shutil.copytree(NBS / d, out / d, dirs_exist_ok=True)
    print(f"built {len(todo) - len(failed)} of {len(todo)} pages into {out} in {time.time() - t0:.0f} s")
    if failed: sys.exit(f"failed: {', '.join(failed)} (fix the notebook, then rerun with --only to rebuild just it)")


if __name__ == '__main__': main()
