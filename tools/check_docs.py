#!/usr/bin/env python
"""Open the built docs in headless Chromium and check that they work.

Serves the site built by `tools/build_docs.py` on localhost and drives Debian's `chromium` through its matching
`chromedriver` (selenium). For the home page, one API page and one tutorial it checks that the page rendered (a
title, a heading, the sidebar, no error output), that its plots arrived as images the browser could decode, and that
every internal link leads to a page that exists and, for links with a `#fragment`, to an element with that id.
Every sidebar link on every page is checked the same way.

    python tools/check_docs.py                    # checks _site/
    python tools/check_docs.py --site path/to/site --pages index.html losses.html
"""
import argparse, functools, http.server, os, shutil, socketserver, sys, tempfile, threading
from pathlib import Path
from urllib.parse import urlparse, urldefrag, unquote

ROOT = Path(__file__).resolve().parents[1]
# page -> the fewest images it must show (a tutorial is made of plots; the home page shows the collapse picture)
DEFAULT_PAGES = {'index.html': 1, 'losses.html': 0, 'tutorials/accuracy_trap.html': 2}
CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
                  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--window-size=1280,1600']

PAGE_STATE_JS = """
const imgs = [...document.images].map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0,
                                           w: i.naturalWidth, h: i.naturalHeight}));
const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
const sidebar = [...document.querySelectorAll('nav.docs-sidebar a[href]')].map(a => a.href);
const errors = [...document.querySelectorAll('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(e => e.innerText).filter(t => /Traceback|Error/.test(t));
return {title: document.title, h1: [...document.querySelectorAll('h1')].map(h => h.innerText),
        cells: document.querySelectorAll('.jp-Cell').length, imgs, links, sidebar, errors,
        ids: [...document.querySelectorAll('[id]')].map(e => e.id)};
"""


def _serve(site):
    "A quiet HTTP server for `site` on a free localhost port; returns (server, base url)"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = socketserver.TCPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chrome = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    driver = shutil.which('chromedriver')
    if not chrome or not driver:
        sys.exit("Chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver); "
                 f"found chromium={chrome}, chromedriver={driver}")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for f in CHROMIUM_FLAGS: opts.add_argument(f)
    opts.add_argument(f'--user-data-dir={tempfile.mkdtemp(prefix="docs-chromium-")}')
    return webdriver.Chrome(service=Service(driver), options=opts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--site', default=str(ROOT / '_site'), help='the built site (default _site/)')
    ap.add_argument('--pages', nargs='*', default=None, help=f'pages to open (default: {", ".join(DEFAULT_PAGES)})')
    a = ap.parse_args()
    site = Path(a.site)
    pages = {p: DEFAULT_PAGES.get(p, 0) for p in a.pages} if a.pages else DEFAULT_PAGES
    absent = [p for p in pages if not (site / p).is_file()]
    if absent: sys.exit(f"not built: {absent} in {site}; run: python tools/build_docs.py")
    srv, base = _serve(site)
    drv = _browser()
    problems, states = [], {}

    def state(url):
        url = urldefrag(url)[0]
        if url not in states:
            drv.get(url)
            states[url] = drv.execute_script(PAGE_STATE_JS)
        return states[url]

    def exists(url):
        path = unquote(urlparse(url).path).lstrip('/')
        f = site / path
        return f.is_file() or (f / 'index.html').is_file()

    try:
        for page, min_imgs in pages.items():
            s = state(base + page)
            where = f"{page}:"
            if not s['title']: problems.append(f"{where} no <title>")
            if not s['h1']: problems.append(f"{where} no <h1> heading: the page did not render")
            if s['cells'] == 0: problems.append(f"{where} no notebook cells rendered")
            if len(s['sidebar']) < 10: problems.append(f"{where} sidebar has {len(s['sidebar'])} links; expected every page")
            if s['errors']: problems.append(f"{where} error output on the page: {s['errors'][0][:200]}")
            bad = [i for i in s['imgs'] if not i['ok']]
            if bad: problems.append(f"{where} {len(bad)} image(s) did not load: {bad[:3]}")
            if len(s['imgs']) - len(bad) < min_imgs:
                problems.append(f"{where} {len(s['imgs']) - len(bad)} image(s) shown; expected at least {min_imgs} (plots)")
            internal = sorted({l for l in s['links'] if l.startswith(base)})
            for link in internal:
                url, frag = urldefrag(link)
                if not exists(url): problems.append(f"{where} link to {link[len(base):]} leads nowhere"); continue
                if frag and url.endswith('.html') and frag not in state(url)['ids']:
                    problems.append(f"{where} link to {link[len(base):]}: no element with id {frag!r} there")
            print(f"{page}: title {s['title']!r}, {s['cells']} cells, {len(s['imgs']) - len(bad)}/{len(s['imgs'])} "
                  f"images shown, {len(internal)} internal links checked")
    finally:
        drv.quit(); srv.shutdown()
    if problems:
        print('\n'.join(['docs check FAILED:'] + problems)); sys.exit(1)
    print(f"docs check passed: {len(pages)} pages opened in Chromium, {len(states)} pages visited")


if __name__ == '__main__': main()
