#!/usr/bin/env python3
"""Drives the checkout page in headless Debian Chromium (through Playwright) and checks two orders.

Usage: browser-test.py URL [--screenshot-dir DIR] [--approved-screenshot PATH]

1. A valid order (two catalog books picked with the picker, a Luhn-valid card expiring in two years, an
   Estonian billing address, Standard shipping, terms accepted) must be approved with suggested books.
2. The same order with an expired card (01/20) must be rejected with a reason about the expiry.

Browser console errors and uncaught page errors fail the test. On success prints one JSON summary line to
stdout and exits 0; on failure prints the reason to stderr, saves a screenshot PNG into the screenshot
directory (default /tmp) and exits 1. Needs `scripts/bootstrap-browser` (Debian chromium + .venv/playwright).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import sys
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

TIMEOUT_MS = 15_000


class CheckFailed(Exception):
    """A check of the page failed; the message says which."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    check(os.path.exists(path), f"no Debian chromium at {path}: run scripts/bootstrap")
    return path


def expiry_in_two_years(today):
    return f"{today.month:02d}/{(today.year + 2) % 100:02d}"


def pick_books(page, count):
    """Adds `count` catalog books through the picker; returns their labels ("Title — Author")."""
    labels = page.eval_on_selector_all("#catalog option", "options => options.map(o => o.value)")
    check(len(labels) >= count, f"the catalog offers {len(labels)} books, need {count}")
    chosen = [labels[0], labels[len(labels) // 2]][:count]
    for quantity, label in enumerate(chosen, start=1):
        page.fill("#book-picker", label)
        page.fill("#book-quantity", str(quantity))
        page.click("#add-book")
    rows = page.locator("#items li button").count()
    check(rows == count, f"the order list shows {rows} books after adding {count}")
    return chosen


def fill_valid_order(page):
    page.fill("#name", "Mari Tamm")
    page.fill("#contact", "mari.tamm@example.com")
    page.fill("#card-number", "4111 1111 1111 1111")
    page.fill("#card-expiry", expiry_in_two_years(datetime.date.today()))
    page.fill("#card-cvv", "123")
    books = pick_books(page, 2)
    page.fill("#street", "Narva mnt 18")
    page.fill("#city", "Tartu")
    page.fill("#state", "Tartumaa")
    page.fill("#zip", "51009")
    page.fill("#country", "Estonia")
    page.select_option("#shipping-method", "Standard")
    page.fill("#comment", "Please handle with care.")
    page.check("#terms")
    return books


def submit(page):
    """Submits the form and returns the result: status, detail, reasons, suggestions."""
    page.click("#submit")
    page.wait_for_function(
        "() => !document.getElementById('result').hidden"
        " && document.getElementById('result-status').textContent.trim() !== ''",
        timeout=TIMEOUT_MS)
    texts = lambda selector: [t.strip() for t in page.locator(selector).all_inner_texts()]  # noqa: E731
    detail = page.inner_text("#result-detail").strip()
    order = re.search(r"Order (\S+?)\.", detail)
    return {
        "status": page.inner_text("#result-status").strip(),
        "detail": detail,
        "orderId": order.group(1) if order else None,
        "reasons": texts("#reasons li"),
        "suggestions": texts("#suggestions li"),
    }


def run(page, url, approved_screenshot):
    page.goto(url, wait_until="load")
    page.wait_for_selector("body[data-catalog]", state="attached", timeout=TIMEOUT_MS)
    check(page.get_attribute("body", "data-catalog") == "ready",
          "the catalog did not load: " + page.inner_text("#catalog-status"))

    books = fill_valid_order(page)
    approved = submit(page)
    check(approved["status"] == "Order Approved",
          f"valid order not approved: {approved['status']}: {approved['detail']} {approved['reasons']}")
    check(approved["suggestions"], "an approved order shows no suggested books")
    check(approved["orderId"], f"no order id shown: {approved['detail']!r}")
    if approved_screenshot:
        page.screenshot(path=approved_screenshot, full_page=True)

    page.fill("#card-expiry", "01/20")
    rejected = submit(page)
    check(rejected["status"] == "Order Rejected",
          f"expired card not rejected: {rejected['status']}: {rejected['detail']}")
    check(any("expir" in reason.lower() for reason in rejected["reasons"]),
          f"no reason mentions the expiry: {rejected['reasons']}")
    check(not rejected["suggestions"], "a rejected order shows suggested books")
    return {"books": books, "approved": approved, "rejected": rejected}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--screenshot-dir", default="/tmp")
    parser.add_argument("--approved-screenshot", help="also save the page with the approved result here")
    args = parser.parse_args()

    started = time.monotonic()
    console_errors = []
    page = None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.set_default_timeout(TIMEOUT_MS)
                page.on("console", lambda m: m.type == "error" and console_errors.append(f"console: {m.text}"))
                page.on("pageerror", lambda e: console_errors.append(f"page error: {e}"))
                summary = run(page, args.url, args.approved_screenshot)
                check(not console_errors, "browser console errors: " + "; ".join(console_errors))
                summary.update(ok=True, url=args.url, seconds=round(time.monotonic() - started, 2))
                print(json.dumps(summary, ensure_ascii=False))
                return 0
            except (CheckFailed, PlaywrightError) as failure:
                shot = os.path.join(args.screenshot_dir, f"checkout-failure-{int(time.time())}.png")
                try:
                    os.makedirs(args.screenshot_dir, exist_ok=True)
                    page.screenshot(path=shot, full_page=True)
                except Exception as error:  # the screenshot is a courtesy; report the real failure
                    shot = f"(no screenshot: {error})"
                print(f"browser test FAILED: {failure}", file=sys.stderr)
                if console_errors:
                    print("browser console errors: " + "; ".join(console_errors), file=sys.stderr)
                print(f"screenshot: {shot}", file=sys.stderr)
                return 1
            finally:
                browser.close()
    except (CheckFailed, PlaywrightError) as failure:  # before a page existed: launch problems
        print(f"browser test FAILED: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
