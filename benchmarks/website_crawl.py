"""How fast the website engine reads a town of sites that answer with a real-world latency.

Serves ``--sites`` fake business sites (a home page linking to a contact page
that shows the address; robots.txt answers 404) through the loopback HTTPS
proxy of the tests, every answer delayed by ``--latency`` seconds, and crawls
them with ``--workers`` threads sharing one ``WebsiteCrawler`` (as the
pipeline will). Prints the wall time, sites per second, requests per site and
the found rate.

    .venv/bin/python benchmarks/website_crawl.py [--sites 200] [--latency 0.3] [--workers 12]

Each site costs three sequential requests (robots.txt, home, contact): about
``3 x latency`` per site; with W workers a run takes about
``sites / W x 3 x latency``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root: tests.fakes

from leadgen_desktop.domain import CancelToken
from leadgen_desktop.net.web import WebsiteCrawler
from tests.fakes.fake_web import FakePage, FakeWeb
from tests.fakes.throwaway_ca import ThrowawayCA
from tests.fakes.web_proxy import serve_proxy


def town(sites: int, latency: float) -> FakeWeb:
    web = FakeWeb()
    for number in range(sites):
        host = f"business-{number}.com"
        home = f"<nav><a href='/contact'>Contact</a></nav><h1>Business {number}</h1>".encode()
        contact = f"<p>Write to office@{host}</p>".encode()
        web.add(host, "/", FakePage(home, delay=latency))
        web.add(host, "/contact", FakePage(contact, delay=latency))
        web.add(host, "/robots.txt", FakePage(b"", status=404, delay=latency))
    return web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=12)
    args = parser.parse_args()
    web = town(args.sites, args.latency)
    with tempfile.TemporaryDirectory() as folder, serve_proxy(web, ThrowawayCA(Path(folder))) as proxy:
        env = {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "SSL_CERT_FILE": str(Path(folder) / "ca.pem")}
        urls = [f"https://business-{number}.com/" for number in range(args.sites)]
        with WebsiteCrawler.from_environment(env) as crawler, ThreadPoolExecutor(args.workers) as pool:
            started = time.perf_counter()
            results = list(pool.map(lambda url: crawler.crawl(url, CancelToken()), urls))
            elapsed = time.perf_counter() - started
    pairs = zip(urls, results, strict=True)
    found = sum(1 for url, result in pairs if result.emails == (f"office@{url[8:-1]}",))
    requests = sum(result.requests for result in results)
    print(
        f"{args.sites} sites, latency {args.latency:g} s, {args.workers} workers: {elapsed:.2f} s wall, "
        f"{args.sites / elapsed:.1f} sites/s, {requests / args.sites:.1f} requests/site, "
        f"found {found}/{args.sites}, most requests in flight per host {max(web.max_in_flight.values())}"
    )


if __name__ == "__main__":
    main()
